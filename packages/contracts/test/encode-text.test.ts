import { encodeUserActionText, UserActionEvent } from '../src';

describe('encodeUserActionText', () => {
  it('is byte for byte JSON.stringify, including names that need escaping', () => {
    const event: UserActionEvent = {
      user_id: 1,
      item_id: 2,
      cat_id: 3,
      merchant_id: 4,
      brand_id: null,
      month: 11,
      day: 11,
      action: 2,
      age_range: 0,
      gender: 1,
      province: '内蒙古 "quoted" \\ \n',
      ts: 1_700_000_000_123,
      line: 9,
    };
    expect(encodeUserActionText(event)).toBe(JSON.stringify(event));
    expect(encodeUserActionText({ ...event, brand_id: 77 })).toBe(JSON.stringify({ ...event, brand_id: 77 }));
  });
});
