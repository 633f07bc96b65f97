import { EventEmitter } from 'node:events';
import { ConsumerLiveness, type ConsumerEvents } from '../src/consumer-liveness';

// kafkajs's consumer instrumentation, reduced to its event names and payloads: the part of
// the real consumer liveness reads. Crashes cannot be caused on demand on a real broker
// within a test's time (kafkajs retries for tens of seconds first).
function consumerEvents() {
  const emitter = new EventEmitter();
  const events = { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' } as ConsumerEvents['events'];
  const consumer = {
    events,
    on: (name: string, listener: (event: unknown) => void) => {
      emitter.on(name, listener);
      return () => emitter.off(name, listener);
    },
  } as unknown as ConsumerEvents;
  return {
    consumer,
    crash: (restart: boolean) => emitter.emit(events.CRASH, { payload: { error: new Error('broker went away'), groupId: 'g', restart } }),
    join: () => emitter.emit(events.GROUP_JOIN, { payload: {} }),
  };
}

describe('ConsumerLiveness', () => {
  it('is running once started, until stopped', () => {
    const { consumer } = consumerEvents();
    const liveness = new ConsumerLiveness(consumer);
    expect(liveness.running).toBe(false);
    liveness.started();
    expect(liveness.running).toBe(true);
    liveness.stopped();
    expect(liveness.running).toBe(false);
  });

  it('after a crash kafkajs restarts from: down until the group is joined again, then up', () => {
    const { consumer, crash, join } = consumerEvents();
    const liveness = new ConsumerLiveness(consumer);
    liveness.started();
    crash(true);
    expect(liveness.running).toBe(false);
    expect(liveness.describe()).toEqual({ consumer: 'restarting', lastCrash: 'broker went away' });
    join();
    expect(liveness.running).toBe(true);
    expect(liveness.describe()).toEqual({ consumer: 'running', lastCrash: null });
  });

  it('after a crash kafkajs gives up on: down for good, whatever follows', () => {
    const { consumer, crash, join } = consumerEvents();
    const liveness = new ConsumerLiveness(consumer);
    liveness.started();
    crash(false);
    join();
    expect(liveness.running).toBe(false);
    expect(liveness.describe()).toEqual({ consumer: 'crashed', lastCrash: 'broker went away' });
  });
});
