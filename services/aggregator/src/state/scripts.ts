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
 * the batch starts where the last one ended (offset), and no job's closed point moved
 * since the caller read it; then adds every window delta and moves the offset. A window's
 * pending time (when its oldest not yet emitted input was written to Kafka) is set only if
 * unset, so it stays the oldest until the emitter clears it; '' leaves it alone.
 *
 * The deltas come packed in one JSON argument (decoded by Redis's cjson), and a window's key
 * is built here from its job's prefix: a catch-up batch touches hundreds of windows and
 * thousands of keys, and one argument per window key and per count made the client spend a
 * third of its time building commands (docs/benchmarks.md). Every key built here shares the
 * namespace's hash tag, so it lives in the script's cluster slot like the declared ones.
 *
 * KEYS: partition, then per job: closed, open, pending
 * ARGV: epoch, fromOffset, toOffset, maxTs, now, writtenAt, J, per job: closedSeen, windowPrefix,
 *       then the deltas: a JSON array of, per window, jobIndex (0-based), "windowStart",
 *       "windowEndScore", N, then N x (key, increment)
 */
export const CHECKPOINT_BATCH = `
local part = KEYS[1]
if redis.call('HGET', part, 'epoch') ~= ARGV[1] then return 'FENCED' end
if redis.call('HGET', part, 'offset') ~= ARGV[2] then return 'OFFSET' end
local writtenAt = ARGV[6]
local jobs = tonumber(ARGV[7])
local prefixes = {}
for j = 1, jobs do
  if (redis.call('GET', KEYS[3 * j - 1]) or '') ~= ARGV[6 + 2 * j] then return 'CLOSED' end
  prefixes[j] = ARGV[7 + 2 * j]
end
local deltas = cjson.decode(ARGV[8 + 2 * jobs])
local total = #deltas
local d = 1
while d <= total do
  local j = deltas[d] + 1
  local start, score, n = deltas[d + 1], deltas[d + 2], deltas[d + 3]
  local window = prefixes[j] .. start
  d = d + 4
  for _ = 1, n do
    redis.call('HINCRBY', window, deltas[d], deltas[d + 1])
    d = d + 2
  end
  redis.call('ZADD', KEYS[3 * j], score, start)
  if writtenAt ~= '' then redis.call('HSETNX', KEYS[3 * j + 1], start, writtenAt) end
end
redis.call('HSET', part, 'offset', ARGV[3], 'maxTs', ARGV[4], 'progressAt', ARGV[5])
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
 * Closes the job's open windows that end at or before ARGV[1] (the watermark) and returns
 * them as start, end pairs. The closed point moves up to the end of the newest window
 * closed here, never to the watermark itself: with nothing open (an empty topic, a quiet
 * job) it stays put, so events replayed later with old timestamps still open windows.
 * KEYS: closed, open
 */
export const CLOSE_WINDOWS = `
local windows = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'WITHSCORES')
if #windows == 0 then return windows end
local newestEnd = windows[#windows]
local current = tonumber(redis.call('GET', KEYS[1]) or '')
if current == nil or tonumber(newestEnd) > current then
  redis.call('SET', KEYS[1], newestEnd)
end
return windows
`;
