import { CELL_FUNCTIONS, UPGRADE_FUNCTIONS } from './cell-scripts';
import { SESSION_FUNCTIONS } from './session-scripts';
import { HASH_FUNCTIONS, WINDOW_FUNCTIONS } from './window-scripts';

/**
 * Takes ownership of a partition: bumps its epoch (fencing out the previous owner) and
 * returns { epoch, offset, maxTs }. A partition never seen starts at ARGV[1].
 */
export const ACQUIRE_PARTITION = `
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
local offset = redis.call('HGET', KEYS[1], 'offset')
if not offset then
  redis.call('HSET', KEYS[1], 'offset', ARGV[1])
  offset = ARGV[1]
end
return { tostring(epoch), offset, redis.call('HGET', KEYS[1], 'maxTs') or '' }
`;

/**
 * One batch, all or nothing: refuses unless the caller still owns the partition (epoch),
 * the batch starts where the last one ended (offset), each job it counts is where the caller
 * read it (its own position, see below), and no job's closed point moved since the caller read
 * it; then adds every window delta and moves the offsets. Several partitions' batches of one
 * topic may come in one call (state/checkpoint-batcher.ts), their deltas merged: every
 * partition's checks pass before anything is written, or the call refuses as a whole; a window
 * that each partition's batch touched is then read and written once instead of once per
 * partition (docs/benchmarks.md, session 16). A window's pending time (when its
 * oldest not yet emitted input was written to Kafka) is set only if unset, so it stays the
 * oldest until the emitter clears it; '' leaves it alone.
 *
 * Positions: every job has its own next offset per partition (and the highest event time it
 * counted there), so a job added later, or a new generation of a changed one, can read the
 * topic from its start while the others stay live. The live reader counts the jobs at (or
 * past) the partition's offset; a catch-up reader (epoch '', no partition fence, the
 * partition's offset untouched) counts the jobs behind it. Each compares the positions it
 * counts from and moves them, so the two can never count a record twice for a job, and
 * refuses ('JOBS') when a job it left out has meanwhile reached the batch's range: the caller
 * reads the positions again and counts the batch again.
 *
 * Closed points: a batch is counted against each job's closed point as read before (events
 * in windows closed then are late). If the point has since moved, the batch is refused
 * ('CLOSED': counted again) only when it touches a window the move closed, i.e. one ending at
 * or before the new point (Node sends each job's lowest window end in the call). The emitter
 * closes windows behind the batches, not in them: refused whenever the point moved, 4% of a
 * catch-up's checkpoints were counted again for nothing, and a merged call refused as a whole
 * is tried again batch by batch (docs/benchmarks.md, session 19).
 *
 * A job's `from`: '' = counted from the batch's start (its position unset or there), 'skip'
 * = not counted (behind: the catch-up reader's), or the exact position it is counted from.
 *
 * Every window the batch changes gets its version bumped (its results' version, whatever its
 * values do: a sum may fall): a session's as it is merged, the other windows' all at once
 * after the deltas (touchWindows: a window counted before versions existed starts from its
 * total count, where the results it had then, twice the total, left off).
 *
 * A cell's value comes as its decimal text, and goes to Redis as that text: a Lua number would
 * be turned into text by Redis, which since 7.2 may write a round one with an exponent
 * (1e+08), and HINCRBY refuses that.
 *
 * A job with aggregates keeps a window's state in one hash (`%<window>` under the job's prefix,
 * a field per key holding the key's count and cells packed) updated with one read and one
 * write per batch (applyPacked, state/cell-scripts.ts: `incr` adds, `min`/`max` compare and
 * set, `hll` adds the batch's elements to the key's set, exact while small, then a
 * HyperLogLog); a count-only job its counts (`<window>`, key -> count).
 *
 * A session job's window delta is one key's session as the batch saw it: it is first merged
 * with that key's open sessions it overlaps (SESSION_FUNCTIONS), and the window it updates is
 * the merged session (`<start>|<key>`, scored by its end in the open set).
 *
 * The deltas come packed in one JSON argument (decoded by Redis's cjson), and a window's key
 * is built here from its job's prefix: a catch-up batch touches hundreds of windows and
 * thousands of keys, and one argument per window key and per count made the client spend a
 * third of its time building commands (docs/benchmarks.md). Every key built here shares the
 * namespace's hash tag, so it lives in the script's cluster slot like the declared ones.
 *
 * KEYS: P partitions, then per job: closed, open, pending, versions, positions, sessions, merged
 * ARGV: P, per partition: epoch ('' for the catch-up reader), fromOffset, toOffset, maxTs, its
 *       field in the positions hashes; then now, writtenAt (the batches' oldest), J, per job:
 *       windowPrefix, cells ("name op name op…", '' for none), gap ('' unless a session job),
 *       lowestEnd (the lowest end of a window the call touches, '' for none);
 *       per partition per job: closedSeen, from; then the deltas: a JSON array of, per
 *       window, jobIndex (0-based), "windowStart", "windowEndScore", N, then N x (key,
 *       "increment"), then per cell of the job M, M x (key, value) (for `hll`, value is an array
 *       of elements)
 */
export const CHECKPOINT_BATCH = `
local P = tonumber(ARGV[1])
local g = 2 + 5 * P
local writtenAt = ARGV[g + 1]
local jobs = tonumber(ARGV[g + 2])
-- every partition's fence first: nothing is written unless all of them hold
local parts = {}
for p = 1, P do
  local b = 1 + 5 * (p - 1)
  local part = { key = KEYS[p], epoch = ARGV[b + 1], from = ARGV[b + 2], to = ARGV[b + 3], maxTs = ARGV[b + 4], field = ARGV[b + 5] }
  if part.epoch ~= '' then
    if redis.call('HGET', part.key, 'epoch') ~= part.epoch then return 'FENCED' end
    if redis.call('HGET', part.key, 'offset') ~= part.from then return 'OFFSET' end
  end
  parts[p] = part
end
local prefixes, cells, gaps, lowestEnds, upgraded = {}, {}, {}, {}, {}
local closedNow = {}
for j = 1, jobs do
  local a, k = g + 2 + 4 * (j - 1), P + 7 * (j - 1)
  closedNow[j] = redis.call('GET', KEYS[k + 1]) or ''
  prefixes[j] = ARGV[a + 1]
  local list = {}
  -- each cell as { name, op, its fields' prefix }
  for name, op in string.gmatch(ARGV[a + 2], '(%S+) (%S+)') do list[#list + 1] = { name, op, name .. '|' } end
  cells[j] = list
  -- every window of the job in the current layout (RedisState.upgradeLayout): none to upgrade
  upgraded[j] = #list > 0 and redis.call('EXISTS', prefixes[j] .. 'layout') == 1
  gaps[j] = ARGV[a + 3]
  lowestEnds[j] = ARGV[a + 4]
end
-- a closed point read before counting and since moved on: the batch still holds if it touches
-- no window the move closed (none ending at or before the new point). Its late events were
-- late for the old point, so for the new one too. A session job's closing is per session:
-- there any move refuses.
local function stillOpen(j, seen)
  local now = closedNow[j]
  if gaps[j] ~= '' or now == '' or (seen ~= '' and tonumber(now) < tonumber(seen)) then return false end
  return lowestEnds[j] == '' or tonumber(lowestEnds[j]) > tonumber(now)
end
-- each partition's view of each job: its closed point as read, and where it counts the job from
local counted = {}
for p = 1, P do
  local part = parts[p]
  local from, to = tonumber(part.from), tonumber(part.to)
  for j = 1, jobs do
    local c, k = g + 2 + 4 * jobs + 2 * jobs * (p - 1) + 2 * (j - 1), P + 7 * (j - 1)
    if closedNow[j] ~= ARGV[c + 1] and not stillOpen(j, ARGV[c + 1]) then return 'CLOSED' end
    local want, at = ARGV[c + 2], redis.call('HGET', KEYS[k + 5], part.field)
    if want == 'skip' then
      if at and tonumber(at) >= from and tonumber(at) < to then return 'JOBS' end
    else
      if want == '' then
        if at and at ~= part.from then return 'JOBS' end
      elseif at ~= want then
        return 'JOBS'
      end
      counted[#counted + 1] = { KEYS[k + 5], part }
    end
  end
end
${HASH_FUNCTIONS}
${CELL_FUNCTIONS}
${UPGRADE_FUNCTIONS}
${SESSION_FUNCTIONS}
${WINDOW_FUNCTIONS}
local deltas = cjson.decode(ARGV[g + 3 + 4 * jobs + 2 * jobs * P])
local total = #deltas
local d = 1
local touched = {}
while d <= total do
  local j = deltas[d] + 1
  local k = P + 7 * (j - 1)
  local start, score, n = deltas[d + 1], deltas[d + 2], deltas[d + 3]
  local session = gaps[j] ~= ''
  -- a session's one key: its count's, or with cells (the count among them) its cells'
  if session then start, score = mergeSession(j, k, n > 0 and deltas[d + 4] or deltas[d + 5], start, score) end
  local window = prefixes[j] .. start
  if session then
    redis.call('HINCRBY', KEYS[k + 4], start, 1)
    redis.call('ZADD', KEYS[k + 2], score, start)
    if writtenAt ~= '' then redis.call('HSETNX', KEYS[k + 3], start, writtenAt) end
  else
    local t = touched[j] or { names = {}, scores = {} }
    touched[j] = t
    t.names[#t.names + 1], t.scores[#t.scores + 1] = start, score
  end
  d = d + 4
  local keys, increments = {}, {}
  for x = 1, n do
    keys[x], increments[x] = deltas[d], deltas[d + 1]
    d = d + 2
  end
  applyCounts(window, keys, increments)
  if #cells[j] > 0 then
    local m, cellKeys, texts, bigs = deltas[d], {}, {}, {}
    d = d + 1
    for x = 1, m do
      cellKeys[x], texts[x], bigs[x] = deltas[d], deltas[d + 1], deltas[d + 2]
      d = d + 3
    end
    local hash = prefixes[j] .. '%' .. start
    if not upgraded[j] then upgradeWindow(window, prefixes[j] .. '#' .. start, hash, cells[j]) end
    applyPacked(hash, j, cellKeys, texts, bigs, window)
  end
end
for j, t in pairs(touched) do touchWindows(P + 7 * (j - 1), prefixes[j], t.names, t.scores, writtenAt) end
for _, entry in ipairs(counted) do
  local positions, part = entry[1], entry[2]
  redis.call('HSET', positions, part.field, part.to)
  local seen = tonumber(redis.call('HGET', positions, part.field .. ':ts') or '')
  if part.maxTs ~= '' and (seen == nil or tonumber(part.maxTs) > seen) then redis.call('HSET', positions, part.field .. ':ts', part.maxTs) end
end
for _, part in ipairs(parts) do
  if part.epoch ~= '' then redis.call('HSET', part.key, 'offset', part.to, 'maxTs', part.maxTs, 'progressAt', ARGV[g]) end
end
return 'OK'
`;

/**
 * Clears windows' pending times once their results are out, each only if it is still the
 * value the emitter read: a time set after that read belongs to inputs not yet emitted.
 * KEYS: pending; ARGV: windowStart, writtenAt pairs
 */
export const CLEAR_PENDING = `
local cleared = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    cleared = cleared + redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
return cleared
`;

/**
 * Closes the job's open windows that end at or before ARGV[1] (the watermark) and after ARGV[3]
 * ('' or absent: any), the oldest first and at most about ARGV[2] of them ('': all), and returns
 * them as start, end pairs. ARGV[3] leaves out what an emit still writing has closed: its
 * windows stay open until it retires them.
 * The closed point moves up to the end of the newest window closed here, never to the
 * watermark itself: with nothing open (an empty topic, a quiet job) it stays put, so events
 * replayed later with old timestamps still open windows. A limit never splits the windows
 * ending at one time (the closed point covers all of them): it may close a few more.
 * KEYS: closed, open
 */
export const CLOSE_WINDOWS = `
local upTo, limit = ARGV[1], tonumber(ARGV[2] or '')
local from = (ARGV[3] or '') == '' and '-inf' or '(' .. ARGV[3]
if limit then
  local last = redis.call('ZRANGEBYSCORE', KEYS[2], from, upTo, 'WITHSCORES', 'LIMIT', limit - 1, 1)
  if #last > 0 then upTo = last[2] end
end
local windows = redis.call('ZRANGEBYSCORE', KEYS[2], from, upTo, 'WITHSCORES')
if #windows == 0 then return windows end
local newestEnd = windows[#windows]
local current = tonumber(redis.call('GET', KEYS[1]) or '')
if current == nil or tonumber(newestEnd) > current then
  redis.call('SET', KEYS[1], newestEnd)
end
return windows
`;
