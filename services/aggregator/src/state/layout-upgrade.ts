import type Redis from 'ioredis';
import { windowReadKeys, type stateKeys } from './keys';
import { UPGRADE_WINDOWS } from './read-scripts';
import { type CellSpec, cellListArg } from './state-encoding';

interface UpgradingRedis extends Redis {
  upgradeWindows(numKeys: number, ...args: string[]): Promise<number>;
}

/** Windows upgraded in one script call. */
const WINDOWS_PER_CALL = 200;

/**
 * Brings every open window of each job with cells to the current layout (its counts among its
 * cells, state/cell-scripts.ts), then marks the job (`keys.layout`): from then on its
 * checkpoints and reads look for no older layout, where each looked once per window (an EXISTS
 * each, a ninth of a stats catch-up's Redis calls: docs/benchmarks.md, session 28). Run at
 * start, before the job is counted. A window upgraded twice is upgraded once (the older
 * layout's keys go), so instances starting together do no harm; the open set is read whole,
 * and a window opened meanwhile is in the current layout already. A job left unmarked (a
 * generation a running aggregator took up) still upgrades each window as it meets it.
 */
export async function upgradeLayouts(
  redis: Redis,
  keys: ReturnType<typeof stateKeys>,
  jobs: readonly { stateId: string; cells: readonly CellSpec[] }[],
): Promise<number> {
  if (!('upgradeWindows' in redis)) redis.defineCommand('upgradeWindows', { lua: UPGRADE_WINDOWS });
  const scripted = redis as UpgradingRedis;
  let upgraded = 0;
  for (const { stateId, cells } of jobs) {
    if (cells.length === 0 || (await redis.exists(keys.layout(stateId))) === 1) continue;
    const names = await redis.zrange(keys.open(stateId), 0, -1);
    for (let at = 0; at < names.length; at += WINDOWS_PER_CALL) {
      const windowKeys = names.slice(at, at + WINDOWS_PER_CALL).flatMap((name) => windowReadKeys(keys, stateId, name, cells));
      upgraded += await scripted.upgradeWindows(windowKeys.length, ...windowKeys, cellListArg(cells));
    }
    await redis.set(keys.layout(stateId), '28');
  }
  return upgraded;
}
