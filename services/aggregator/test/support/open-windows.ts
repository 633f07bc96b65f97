import type { CellSpec } from '../../src/state/state-encoding';
import type { RedisState } from '../../src/state/redis-state';

/** Every open window of a job with its committed state, as the emitter reads them (for assertions). */
export async function openWindows(state: RedisState, job: string, cells: readonly CellSpec[] = []) {
  const { changed } = await state.changedOpen(job, Infinity, () => undefined);
  return state.withState(job, changed, cells);
}
