import type { CellSpec } from '../../src/state/state-encoding';
import type { RedisState } from '../../src/state/redis-state';
import { byCell } from './cell-table';

/**
 * Every open window of a job with its committed state, as the emitter reads them, its cells
 * per cell (key -> value; [] for a count-only job), as assertions compare them.
 */
export async function openWindows(state: RedisState, job: string, cells: readonly CellSpec[] = []) {
  const { changed } = await state.changedOpen(job, Infinity, () => undefined);
  const windows = await state.withState(job, changed, cells);
  return windows.map((w) => ({ ...w, cells: w.cells ? byCell(w.cells) : [] }));
}
