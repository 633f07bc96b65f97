/**
 * A json source of page clicks (event time `at`, `user`, `amount`, `page`), the shape of the
 * README's session example and of the session tests; `amount` as the test needs it.
 */
export function clicksSource(topic: string, amount: { type: 'integer' | 'number'; optional?: boolean } = { type: 'integer' }) {
  return {
    name: 'clicks',
    topic,
    format: 'json',
    fields: { at: { type: 'timestamp' }, user: { type: 'string' }, amount, page: { type: 'string' } },
    time: 'at',
  };
}
