/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs internals have no types */
// patches/kafkajs@2.2.4.patch: an unthrottled request queue scheduled its pending check with
// setTimeout(-Date.now()), which Node runs after 1 ms and, since Node 23, warns about on every
// connection (TimeoutNegativeWarning). The patch keeps the 1 ms and drops the warning.
const RequestQueue = require('kafkajs/src/network/requestQueue');

describe('kafkajs RequestQueue (patched)', () => {
  it('schedules its pending-request check without a negative timeout', () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const scheduled: number[] = [];
    const realSetTimeout = global.setTimeout;
    const spy = jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      scheduled.push(ms ?? 0);
      return realSetTimeout(() => undefined, 0);
    }) as typeof setTimeout);
    try {
      const queue = new RequestQueue({
        logger: { debug() {}, warn() {}, error() {}, info() {} },
        maxInFlightRequests: 1,
        requestTimeout: 1000,
        clientId: 't',
        broker: 'b',
      });
      queue.scheduleCheckPendingRequests();
      expect(queue.throttledUntil).toBe(-1);
      expect(scheduled).toEqual([1]);
    } finally {
      spy.mockRestore();
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('TimeoutNegativeWarning');
  });
});
