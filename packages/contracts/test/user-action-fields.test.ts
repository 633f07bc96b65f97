import {
  decodeUserAction,
  encodeUserActionText,
  fieldError,
  USER_ACTION_FIELD_TABLE,
  USER_ACTION_FIELDS,
  USER_ACTION_JOB_FIELDS,
  USER_LOG_COLUMNS,
  USER_LOG_HEADER,
  userActionFromValues,
  UserActionEvent,
  validateUserAction,
} from '../src';
import { readCanonicalUserAction } from '../src/user-action-reader';

// typed as the interface: the compiler insists on every field, and on no other
const sample: UserActionEvent = {
  user_id: 328862,
  item_id: 323294,
  cat_id: 833,
  merchant_id: 2882,
  brand_id: 2661,
  month: 8,
  day: 29,
  action: 0,
  age_range: 3,
  gender: 1,
  province: '浙江',
  ts: 1_700_000_000_000,
  line: 2,
};

describe('the user-action field table', () => {
  it('names every field of the event exactly once', () => {
    expect([...USER_ACTION_FIELDS].sort()).toEqual(Object.keys(sample).sort());
    expect(new Set(USER_ACTION_FIELDS).size).toBe(USER_ACTION_FIELDS.length);
  });

  it('is the layout of the encoder and of the byte reader: they agree field by field', () => {
    const text = encodeUserActionText(sample);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(USER_ACTION_FIELDS);
    expect(readCanonicalUserAction(Buffer.from(text))).toEqual({ ok: true, value: sample });
    expect(Object.keys(userActionFromValues(USER_ACTION_FIELDS.map((name) => sample[name])))).toEqual(USER_ACTION_FIELDS);
  });

  it('gives the CSV its columns and header (no event time, no line) and the jobs their fields (no line)', () => {
    expect(USER_LOG_HEADER).toBe('user_id,item_id,cat_id,merchant_id,brand_id,month,day,action,age_range,gender,province');
    expect(USER_LOG_COLUMNS).toEqual(USER_LOG_HEADER.split(','));
    expect(USER_ACTION_JOB_FIELDS).toEqual([...USER_LOG_COLUMNS, 'ts']);
  });

  it.each(USER_ACTION_FIELD_TABLE.filter((f) => f.type === 'integer').map((f) => [f.name, f] as const))(
    '%s: the validator and the byte reader enforce the same range with the same message',
    (name, field) => {
      if (field.type !== 'integer') throw new Error('integer fields only');
      for (const value of [field.min - 1, field.max + 1].filter((v) => v >= 0 && Number.isSafeInteger(v))) {
        const event = { ...sample, [name]: value };
        const expected = { ok: false, code: `bad_${name}`, error: fieldError(field) };
        expect(validateUserAction(event)).toEqual(expected);
        expect(decodeUserAction(Buffer.from(encodeUserActionText(event)))).toEqual(expected);
      }
      for (const value of [field.min, field.max].filter((v) => Number.isSafeInteger(v) && v < 1e15)) {
        expect(decodeUserAction(Buffer.from(encodeUserActionText({ ...sample, [name]: value })))).toEqual({ ok: true, value: { ...sample, [name]: value } });
      }
    },
  );

  it('accepts null only where the table says so', () => {
    expect(validateUserAction({ ...sample, brand_id: null })).toEqual({ ok: true, value: { ...sample, brand_id: null } });
    expect(validateUserAction({ ...sample, gender: null })).toEqual({ ok: false, code: 'bad_gender', error: 'field gender: expected a gender code 0, 1 or 2' });
    expect(validateUserAction({ ...sample, brand_id: -1 })).toEqual({
      ok: false,
      code: 'bad_brand_id',
      error: 'field brand_id: expected a non-negative integer or null',
    });
  });
});
