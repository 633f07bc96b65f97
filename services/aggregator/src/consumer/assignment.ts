/**
 * The partitions this instance owns, as the consumer group's last assignment gave them.
 * It also decides who emits: the owner of partition 0 of a source emits the results of the
 * jobs reading it. Every partition has exactly one owner, so exactly one instance emits each
 * job whatever the group's size, and the duty moves with partition 0 on a rebalance; the
 * emitter reads committed state only, so the instance taking over starts where the other
 * stopped.
 */
export class Assignment {
  private owned = new Map<string, ReadonlySet<number>>();

  /** The group's new assignment for this member (kafkajs's GROUP_JOIN memberAssignment). */
  update(memberAssignment: Readonly<Record<string, readonly number[]>>): void {
    this.owned = new Map(Object.entries(memberAssignment).map(([topic, partitions]) => [topic, new Set(partitions)]));
  }

  isEmitterFor(topic: string): boolean {
    return this.owned.get(topic)?.has(0) ?? false;
  }
}
