import { PACKED_FUNCTIONS, UPGRADE_FUNCTIONS } from './cell-scripts';
import { HASH_FUNCTIONS } from './window-scripts';

/**
 * Windows' state, each window's in one step (its version and values come from the same
 * checkpoint): per window [version or '', its counts as a flat HGETALL, or when the job has
 * cells its cells hash as a flat HGETALL (key, packed cells: the count first), where a set kept
 * as a HyperLogLog has `*<estimate>` (PFCOUNT) in place of its `*`]. Unpacking is left to the caller: Lua's string
 * functions per field were half of this script's time in a stats catch-up (docs/benchmarks.md,
 * session 17), so the script looks into a key's text only when it holds a `*`. A window's
 * counts and cells as an older aggregator kept them are upgraded first (upgradeWindow). Many windows per call: a
 * catch-up closes thousands, and a call per window cost Redis more in calling the script than
 * in reading (docs/benchmarks.md).
 * KEYS: versions, the job's layout mark, then per window its counts hash, and when the job has
 * cells its cells hash and its cells hash of before session 24
 * ARGV: the job's cells ("name op name op…", '' for none), then each window's name
 */
export const READ_WINDOWS = `
${HASH_FUNCTIONS}
${PACKED_FUNCTIONS}
${UPGRADE_FUNCTIONS}
local list, sets = {}, false
for name, op in string.gmatch(ARGV[1], '(%S+) (%S+)') do
  list[#list + 1] = { name, op, name .. '|' }
  sets = sets or op == 'hll'
end
local per = #list > 0 and 3 or 1
-- every window of the job in the current layout (RedisState.upgradeLayout): none to upgrade
local upgraded = per == 3 and redis.call('EXISTS', KEYS[2]) == 1
-- a key's cells with each HyperLogLog's estimate in place of its '*'
local function estimated(text, window, key)
  local values = unpacked(text, #list)
  for c, cell in ipairs(list) do
    if cell[2] == 'hll' and values[c] == '*' then values[c] = '*' .. redis.call('PFCOUNT', window .. '|' .. cell[3] .. key) end
  end
  return packedCells(values)
end
-- every window's version in one call: a call per window was a ninth of this script's calls
local names = {}
for i = 2, #ARGV do names[i - 1] = ARGV[i] end
local versions = hmgetAll(KEYS[1], names)
local out = {}
for i = 2, #ARGV do
  local base = 3 + (i - 2) * per
  local version = versions[i - 1] or ''
  if per == 1 then
    out[#out + 1] = { version, redis.call('HGETALL', KEYS[base]) }
  else
    if not upgraded then upgradeWindow(KEYS[base], KEYS[base + 2], KEYS[base + 1], list) end
    local flat = redis.call('HGETALL', KEYS[base + 1])
    if sets then
      for x = 2, #flat, 2 do
        if string.find(flat[x], '*', 1, true) then flat[x] = estimated(flat[x], KEYS[base], flat[x - 1]) end
      end
    end
    out[#out + 1] = { version, flat }
  end
end
return out
`;

/**
 * Upgrades windows an older aggregator wrote to the current layout (upgradeWindow), many in one
 * call: RedisState.upgradeLayout, once per job at start.
 * KEYS: per window its counts hash, its cells hash, its cells hash of before session 24
 * ARGV: the job's cells ("name op name op…", COUNT_CELL first)
 */
export const UPGRADE_WINDOWS = `
${HASH_FUNCTIONS}
${PACKED_FUNCTIONS}
${UPGRADE_FUNCTIONS}
local list = {}
for name, op in string.gmatch(ARGV[1], '(%S+) (%S+)') do list[#list + 1] = { name, op, name .. '|' } end
for i = 1, #KEYS, 3 do upgradeWindow(KEYS[i], KEYS[i + 2], KEYS[i + 1], list) end
return #KEYS / 3
`;
