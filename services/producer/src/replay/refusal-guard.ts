import type { Problem } from '@streamtally/contracts';

/** A pass is judged once it has this many rows (or at its end, when shorter). */
export const REFUSAL_CHECK_ROWS = 1000;

/** The first refused row of a replay stopped by the guard: what the operator is told. */
export interface FirstRefusal extends Problem {
  line: number;
}

/**
 * Stops a replay whose rows are (nearly) all refused: a file of the wrong shape must not flood
 * the dead-letter topic, pass after pass, nor end "successfully" with no events. Once a pass
 * has REFUSAL_CHECK_ROWS rows, or at its end, a refused share of `maxFraction` or more stops
 * the replay (MAX_REFUSED_FRACTION; at 1, only a pass of refused rows alone). Header and blank
 * lines are not rows.
 */
export class RefusalGuard {
  private rows = 0;
  private refused = 0;
  private first: FirstRefusal | undefined;

  constructor(private readonly maxFraction: number) {}

  startPass(): void {
    this.rows = 0;
    this.refused = 0;
  }

  accepted(): void {
    this.rows += 1;
  }

  /** A refused row; true when the replay must stop now (or the problem says no later row can be read). */
  refusedRow(line: number, problem: Problem & { stopsReplay?: boolean }): boolean {
    this.rows += 1;
    this.refused += 1;
    if (problem.stopsReplay) {
      this.first = { line, code: problem.code, reason: problem.reason };
      return true;
    }
    this.first ??= { line, code: problem.code, reason: problem.reason };
    return this.rows >= REFUSAL_CHECK_ROWS && this.tooMany();
  }

  /** At a pass's end: true when the replay must stop. */
  endOfPass(): boolean {
    return this.rows > 0 && this.tooMany();
  }

  /** The first row refused in the replay. */
  get firstRefusal(): FirstRefusal | undefined {
    return this.first;
  }

  private tooMany(): boolean {
    return this.refused >= this.maxFraction * this.rows;
  }
}
