/**
 * Lua pieces of CHECKPOINT_BATCH (state/scripts.ts), kept apart because sessions need them
 * twice: a batch's value goes into a cell the way a merged session's value does.
 */

/**
 * `applyCells(hash, fields, ops, values)`: number cells' values folded into a window's cells
 * hash (fields `<cell>|<key>`) by their ops, in one HMGET and one HSET: a call per cell and key
 * was most of an aggregating job's Redis time (docs/benchmarks.md). `incr` adds, exactly while
 * both numbers are below 2^52 (Lua's numbers are doubles), else with HINCRBY (a sum leaving
 * Redis's 64-bit range is marked "overflow" instead of failing the batch forever; an
 * overflowed sum folded in stays overflowed); `min`/`max` compare and set. Values come and go
 * as decimal text, written with %d: never an exponent (see CHECKPOINT_BATCH).
 */
export const CELL_FUNCTIONS = `
local EXACT = 2 ^ 52
-- the new value of a field (nil: unchanged; false: too large here, add it with HINCRBY)
local function folded(op, current, value)
  if not current then return value end
  if op == 'incr' then
    if current == 'overflow' then return nil end
    if value == 'overflow' then return value end
    local a, b = tonumber(current), tonumber(value)
    if a and b and math.abs(a) < EXACT and math.abs(b) < EXACT then return string.format('%d', a + b) end
    return false
  end
  local c, v = tonumber(current), tonumber(value)
  if v ~= nil and (c == nil or (op == 'min' and v < c) or (op == 'max' and v > c)) then return value end
  return nil
end

local function applyCells(hash, fields, ops, values)
  if #fields == 0 then return end
  local current, out = hmgetAll(hash, fields), {}
  for i = 1, #fields do
    local new = folded(ops[i], current[i], values[i])
    if new then
      out[#out + 1] = fields[i]
      out[#out + 1] = new
    elseif new == false then
      local added = redis.pcall('HINCRBY', hash, fields[i], values[i])
      if type(added) == 'table' and added.err then redis.call('HSET', hash, fields[i], 'overflow') end
    end
  end
  hsetPairs(hash, out)
end
`;

/**
 * `mergeSession(j, k, key, start, end)`: where a batch's session of `key` goes. Per session job,
 * a hash (KEYS[k + 6]) lists each key's open sessions as "start end start end…"; sessions of a
 * key never overlap. The batch's session [start, end) absorbs every open session it overlaps
 * (a late event can bridge two): the one with the earliest start keeps its state and the
 * others' state is folded into it (counts and sums added, minima and maxima compared,
 * HyperLogLogs merged), their keys deleted, their place in the open set, versions and pending
 * times given up (the oldest pending time kept), and each is noted in the job's merged hash
 * (KEYS[k + 7]: session -> "start it joined, its version, its end") for the emitter to retract
 * its results. Returns the session's name (`start|key`) and its end, as the window to update.
 * Times stay the strings they came as; they are compared as numbers.
 */
export const SESSION_FUNCTIONS = `
local function foldSession(j, key, fromName, toName)
  local from, to = prefixes[j] .. fromName, prefixes[j] .. toName
  local count = redis.call('HGET', from, key)
  if count then redis.call('HINCRBY', to, key, count) end
  local source = prefixes[j] .. '#' .. fromName
  local flat = redis.call('HGETALL', source)
  local fields, ops, values = {}, {}, {}
  for i = 1, #flat, 2 do
    local op = cellOps[j][string.match(flat[i], '^([^|]*)|')]
    if op then
      fields[#fields + 1], ops[#ops + 1], values[#values + 1] = flat[i], op, flat[i + 1]
    end
  end
  applyCells(prefixes[j] .. '#' .. toName, fields, ops, values)
  redis.call('DEL', source)
  for _, cell in ipairs(cells[j]) do
    if cell[2] == 'hll' then
      local set, into = from .. '|' .. cell[1] .. '|' .. key, to .. '|' .. cell[1] .. '|' .. key
      if redis.call('EXISTS', set) == 1 then redis.call('PFMERGE', into, set) end
      redis.call('DEL', set)
    end
  end
  redis.call('DEL', from)
end

local function mergeSession(j, k, key, start, finish)
  local open, pending, versions, index, merged = KEYS[k + 2], KEYS[k + 3], KEYS[k + 4], KEYS[k + 6], KEYS[k + 7]
  local s, e = tonumber(start), tonumber(finish)
  local first, last, firstText, lastText = s, e, start, finish
  local kept, absorbed = {}, {}
  for a, b in string.gmatch(redis.call('HGET', index, key) or '', '(%S+) (%S+)') do
    if tonumber(a) < e and s < tonumber(b) then
      absorbed[#absorbed + 1] = { a, b }
      if tonumber(a) < first then first, firstText = tonumber(a), a end
      if tonumber(b) > last then last, lastText = tonumber(b), b end
    else
      kept[#kept + 1] = { a, b }
    end
  end
  local name = firstText .. '|' .. key
  for _, w in ipairs(absorbed) do
    if w[1] ~= firstText then
      local gone = w[1] .. '|' .. key
      foldSession(j, key, gone, name)
      redis.call('ZREM', open, gone)
      local version = redis.call('HGET', versions, gone) or '0'
      redis.call('HDEL', versions, gone)
      local was, now = redis.call('HGET', pending, gone), redis.call('HGET', pending, name)
      if was and (not now or tonumber(was) < tonumber(now)) then redis.call('HSET', pending, name, was) end
      redis.call('HDEL', pending, gone)
      redis.call('HSET', merged, gone, firstText .. ' ' .. version .. ' ' .. w[2])
    end
  end
  kept[#kept + 1] = { firstText, lastText }
  table.sort(kept, function(x, y) return tonumber(x[1]) < tonumber(y[1]) end)
  local list = {}
  for _, w in ipairs(kept) do list[#list + 1] = w[1] .. ' ' .. w[2] end
  redis.call('HSET', index, key, table.concat(list, ' '))
  return name, lastText
end
`;

/**
 * Once closed sessions' finals are out: they leave their keys' lists of open sessions (the key's
 * entry goes with its last one). KEYS: the job's sessions hash; ARGV: key, start pairs
 */
export const FORGET_SESSIONS = `
local forgotten = 0
for i = 1, #ARGV, 2 do
  local key, start = ARGV[i], ARGV[i + 1]
  local list = {}
  for a, b in string.gmatch(redis.call('HGET', KEYS[1], key) or '', '(%S+) (%S+)') do
    if a == start then forgotten = forgotten + 1 else list[#list + 1] = a .. ' ' .. b end
  end
  if #list == 0 then redis.call('HDEL', KEYS[1], key) else redis.call('HSET', KEYS[1], key, table.concat(list, ' ')) end
end
return forgotten
`;
