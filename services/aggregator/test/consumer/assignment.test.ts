import { Assignment } from '../../src/consumer/assignment';

describe('Assignment', () => {
  it('names the owner of partition 0 of a source as the emitter of its jobs, and follows rebalances', () => {
    const assignment = new Assignment();
    expect(assignment.isEmitterFor('user_log')).toBe(false); // nothing assigned yet
    assignment.update({ user_log: [0, 2], text_lines: [1] });
    expect(assignment.isEmitterFor('user_log')).toBe(true);
    expect(assignment.isEmitterFor('text_lines')).toBe(false);
    assignment.update({ user_log: [1, 2], text_lines: [0] }); // partition 0 of user_log moved away
    expect(assignment.isEmitterFor('user_log')).toBe(false);
    expect(assignment.isEmitterFor('text_lines')).toBe(true);
  });
});
