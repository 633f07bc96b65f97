/**
 * Lua pieces of CHECKPOINT_BATCH (state/scripts.ts) that touch many fields of one hash in a
 * few calls: inside a script, each redis.call costs a few microseconds whatever it does, and a
 * catch-up batch touches thousands of windows (docs/benchmarks.md, session 15).
 */

/**
 * `hmgetAll(hash, fields)`: HMGET of any number of fields (false where unset);
 * `hsetPairs(hash, pairs)`: HSET of any number of field, value pairs. unpack() takes a few
 * thousand arguments at a time, so both go in slices of 4,000 (an even number: pairs stay whole).
 */
export const HASH_FUNCTIONS = `
local function hmgetAll(hash, fields)
  if #fields <= 4000 then return redis.call('HMGET', hash, unpack(fields)) end
  local values = {}
  for from = 1, #fields, 4000 do
    local part = redis.call('HMGET', hash, unpack(fields, from, math.min(from + 3999, #fields)))
    for i = 1, #part do values[from + i - 1] = part[i] end
  end
  return values
end

local function hsetPairs(hash, pairs)
  for from = 1, #pairs, 4000 do redis.call('HSET', hash, unpack(pairs, from, math.min(from + 3999, #pairs))) end
end
`;

/**
 * `touchWindows(k, prefix, names, scores, writtenAt)`: what a batch does to the windows of a
 * tumbling or hopping job it changed (KEYS from k as in CHECKPOINT_BATCH), a few calls for all:
 * each window's version (its number of changes) goes up by one, a window new to the job joins
 * the open set (scored by its end, which never moves), and its pending time is set unless set.
 * A window open before versions existed (in the open set, no version) starts from its total
 * count: its results' versions were twice its total then.
 */
export const WINDOW_FUNCTIONS = `
local function touchWindows(k, prefix, names, scores, writtenAt)
  local open, pending, versions = KEYS[k + 2], KEYS[k + 3], KEYS[k + 4]
  local seen = hmgetAll(versions, names)
  local bumped, fresh, freshNames = {}, {}, {}
  for i, name in ipairs(names) do
    if seen[i] then
      bumped[#bumped + 1] = name
      bumped[#bumped + 1] = string.format('%d', tonumber(seen[i]) + 1)
    else
      fresh[#fresh + 1] = i
      freshNames[#freshNames + 1] = name
    end
  end
  local opened, added = {}, {}
  for from = 1, #freshNames, 4000 do
    local part = redis.call('ZMSCORE', open, unpack(freshNames, from, math.min(from + 3999, #freshNames)))
    for x = 1, #part do opened[from + x - 1] = part[x] end
  end
  for x, i in ipairs(fresh) do
    local changes = 1
    if opened[x] then
      for _, c in ipairs(redis.call('HVALS', prefix .. names[i])) do changes = changes + tonumber(c) end
    else
      added[#added + 1] = scores[i]
      added[#added + 1] = names[i]
    end
    bumped[#bumped + 1] = names[i]
    bumped[#bumped + 1] = string.format('%d', changes)
  end
  for from = 1, #added, 4000 do redis.call('ZADD', open, unpack(added, from, math.min(from + 3999, #added))) end
  hsetPairs(versions, bumped)
  if writtenAt == '' then return end
  local at, set = hmgetAll(pending, names), {}
  for i, name in ipairs(names) do
    if not at[i] then
      set[#set + 1] = name
      set[#set + 1] = writtenAt
    end
  end
  hsetPairs(pending, set)
end
`;

/**
 * Retires closed windows once their finals are out, many in one call: each leaves the open
 * set, its pending time and version go, and its keys (its counts, or its cells hash, and the
 * HyperLogLogs its final read found) expire after the TTL. The keys are built here from the job's prefix, as
 * CHECKPOINT_BATCH builds them (the namespace's hash tag: one cluster slot). As a pipeline, a
 * command per key of every window, 2 to 4 a window, was a tenth of the emitter's time in a
 * stats catch-up (docs/benchmarks.md, session 26).
 * KEYS: open, pending, versions
 * ARGV: ttl, windowPrefix, withCells ('1' or ''), then per window: name, n, n x HyperLogLog field
 */
export const RETIRE_WINDOWS = `
local ttl, prefix, withCells = ARGV[1], ARGV[2], ARGV[3] == '1'
local names, i = {}, 4
while i <= #ARGV do
  local name, n = ARGV[i], tonumber(ARGV[i + 1])
  names[#names + 1] = name
  local window = prefix .. name
  -- a job with cells keeps its counts among them (its final read upgraded an older window's)
  if withCells then redis.call('EXPIRE', prefix .. '%' .. name, ttl) else redis.call('EXPIRE', window, ttl) end
  for f = 1, n do redis.call('EXPIRE', window .. '|' .. ARGV[i + 1 + f], ttl) end
  i = i + 2 + n
end
for from = 1, #names, 4000 do
  local part = { unpack(names, from, math.min(from + 3999, #names)) }
  redis.call('ZREM', KEYS[1], unpack(part))
  redis.call('HDEL', KEYS[2], unpack(part))
  redis.call('HDEL', KEYS[3], unpack(part))
end
return #names
`;
