/** What the fan-out needs of one connected client. */
import { WindowResult, windowResultKey } from '@streamtally/contracts';
import { updateFrames } from './protocol';

export interface Peer {
  /** bytes queued in user space, not yet handed to the kernel */
  readonly bufferedAmount: number;
  send(frame: string): void;
  close(code: number, reason: string): void;
}

export interface DeliveryLimits {
  /** above this, updates are coalesced: only the latest per job waits */
  softBufferBytes: number;
  /** above this, the client is closed with 1013 */
  hardBufferBytes: number;
}

export type DeliveryOutcome = 'sent' | 'coalesced' | 'closed';

export const CLOSE_TRY_AGAIN_LATER = 1013;

/**
 * One client's outgoing updates. A fast client gets every update as it comes. Past the
 * soft bound a client gets only the latest version of each window, in one frame per flush
 * tick: a slow reader keeps up at that pace, and the server holds at most one result per
 * window for it (never a window's final dropped for another window's update).
 * Past the hard bound (a client that stopped reading) it is closed with 1013, so one slow
 * browser never holds the server's memory or delays anyone else.
 */
export class Delivery {
  private readonly pending = new Map<string, WindowResult>();
  private closed = false;

  constructor(
    private readonly peer: Peer,
    private readonly limits: DeliveryLimits,
    /** the client's send buffer after each frame: how close clients come to the hard bound */
    private readonly onBuffered: (bytes: number) => void = () => {},
  ) {}

  /** `frame` carries exactly `results` (encoded once for every client that gets the same). */
  deliver(results: readonly WindowResult[], frame: string): DeliveryOutcome {
    if (this.closed) return 'closed';
    const buffered = this.peer.bufferedAmount;
    if (buffered > this.limits.hardBufferBytes) return this.closeSlow();
    if (buffered > this.limits.softBufferBytes || this.pending.size > 0) {
      // a newer version of the same window replaces the held one; results only grow
      for (const r of results) this.pending.set(windowResultKey(r.job, r.windowStart, r.sessionKey), r);
      return 'coalesced';
    }
    this.send(frame);
    return 'sent';
  }

  /**
   * A reply to the client's own message (a snapshot, an error, a pong): sent now, in order,
   * but under the same hard bound, so a client that asks without reading is closed too.
   */
  reply(frame: string): DeliveryOutcome {
    if (this.closed) return 'closed';
    if (this.peer.bufferedAmount > this.limits.hardBufferBytes) return this.closeSlow();
    this.send(frame);
    return 'sent';
  }

  /**
   * Called every flush tick: sends what is held, latest version per window, in frames of at
   * most UPDATE_FRAME_BYTES: the first always (the client moves), more only while its buffer
   * stays under the soft bound; the rest waits for the next tick. Returns frames sent.
   */
  flush(): number {
    if (this.closed || this.pending.size === 0) return 0;
    if (this.peer.bufferedAmount > this.limits.hardBufferBytes) {
      this.closeSlow();
      return 0;
    }
    const held = [...this.pending.values()];
    let sent = 0;
    for (const chunk of updateFrames(
      held,
      held.map((r) => JSON.stringify(r)),
    )) {
      if (sent > 0 && this.peer.bufferedAmount > this.limits.softBufferBytes) break;
      this.send(chunk.frame);
      for (const r of chunk.results) this.pending.delete(windowResultKey(r.job, r.windowStart, r.sessionKey));
      sent += 1;
    }
    return sent;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get held(): number {
    return this.pending.size;
  }

  private send(frame: string): void {
    this.peer.send(frame);
    this.onBuffered(this.peer.bufferedAmount);
  }

  private closeSlow(): DeliveryOutcome {
    this.closed = true;
    this.pending.clear();
    this.peer.close(CLOSE_TRY_AGAIN_LATER, 'too slow: send buffer over the limit');
    return 'closed';
  }
}
