import { parseClientMessage } from '../../src/domain/protocol';

describe('client protocol', () => {
  it('accepts subscribe, unsubscribe and ping', () => {
    expect(parseClientMessage('{"type":"subscribe","jobs":["a","a","b"]}')).toEqual({ ok: true, message: { type: 'subscribe', jobs: ['a', 'b'] } });
    expect(parseClientMessage('{"type":"unsubscribe","jobs":["a"]}')).toEqual({ ok: true, message: { type: 'unsubscribe', jobs: ['a'] } });
    expect(parseClientMessage('{"type":"ping"}')).toEqual({ ok: true, message: { type: 'ping' } });
  });

  it.each([
    ['{nope', 'invalid JSON'],
    ['[1]', 'a message must be a JSON object with a "type"'],
    ['{"type":"dance"}', 'unknown message type "dance"; expected subscribe, unsubscribe or ping'],
    ['{"jobs":[]}', 'unknown message type null; expected subscribe, unsubscribe or ping'],
    ['{"type":"subscribe","jobs":[]}', '"subscribe" needs "jobs": a list of 1-100 job names'],
    ['{"type":"subscribe","jobs":[1]}', '"subscribe" needs "jobs": a list of 1-100 job names'],
  ])('%s -> %s', (frame, error) => {
    expect(parseClientMessage(frame)).toEqual({ ok: false, error });
  });
});
