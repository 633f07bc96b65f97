import { SubscriptionRegistry } from '../../src/domain/subscriptions';

describe('SubscriptionRegistry', () => {
  it('maps jobs to clients and back, and forgets a client entirely on remove', () => {
    const registry = new SubscriptionRegistry<string>();
    registry.subscribe('a', ['g', 'p']);
    registry.subscribe('b', ['g']);
    expect([...registry.subscribers('g')].sort()).toEqual(['a', 'b']);
    registry.unsubscribe('a', ['g']);
    expect([...registry.subscribers('g')]).toEqual(['b']);
    expect(registry.jobsOf('a')).toEqual(['p']);
    registry.remove('b');
    expect(registry.subscribers('g').size).toBe(0);
    expect(registry.clientCount).toBe(1);
  });
});
