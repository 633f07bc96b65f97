import { decodeUserAction, encodeUserAction, UserActionEvent } from '../src';

const event: UserActionEvent = {
  user_id: 328862,
  item_id: 323294,
  cat_id: 833,
  merchant_id: 2882,
  brand_id: null,
  month: 8,
  day: 29,
  action: 0,
  age_range: 0,
  gender: 2,
  province: '内蒙古',
  ts: 1_700_000_000_000,
  line: 2,
};

describe('user action codec', () => {
  it('round-trips an event, keeping UTF-8 province names and a null brand', () => {
    const decoded = decodeUserAction(encodeUserAction(event));
    expect(decoded).toEqual({ ok: true, value: event });
  });

  it.each([
    ['user_id', { user_id: -1 }],
    ['brand_id', { brand_id: 'x' }],
    ['month', { month: 13 }],
    ['action', { action: 4 }],
    ['gender', { gender: 3 }],
    ['age_range', { age_range: 9 }],
    ['province', { province: 7 }],
    ['ts', { ts: 1.5 }],
  ])('names the bad field %s', (field, patch) => {
    const decoded = decodeUserAction(JSON.stringify({ ...event, ...patch }));
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error).toContain(`field ${field}`);
  });

  it('rejects values that are not JSON objects with a clear reason', () => {
    expect(decodeUserAction('not json')).toMatchObject({ ok: false, error: expect.stringContaining('not JSON') });
    expect(decodeUserAction('[1,2]')).toMatchObject({ ok: false, code: 'not_an_object', error: 'value is not a JSON object' });
    expect(decodeUserAction(null)).toMatchObject({ ok: false, code: 'no_value', error: 'record has no value' });
  });
});
