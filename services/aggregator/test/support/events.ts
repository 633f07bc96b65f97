import type { UserActionEvent } from '@streamtally/contracts';

/** A valid user-action event for tests; name only what the test is about. */
export function userAction(overrides: Partial<UserActionEvent> & Pick<UserActionEvent, 'ts'>): UserActionEvent {
  return {
    user_id: overrides.line ?? 1,
    item_id: 2,
    cat_id: 3,
    merchant_id: 4,
    brand_id: null,
    month: 11,
    day: 11,
    action: 0,
    age_range: 3,
    gender: 0,
    province: '上海',
    line: 1,
    ...overrides,
  };
}
