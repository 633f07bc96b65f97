/**
 * Lua pieces of CHECKPOINT_BATCH (state/scripts.ts) for session windows: a batch's session is
 * merged with the key's open sessions it overlaps, their cells folded as a batch's are
 * (state/cell-scripts.ts).
 */

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
  if #cells[j] == 0 then
    local count = redis.call('HGET', from, key)
    if count then redis.call('HINCRBY', to, key, count) end
    redis.call('DEL', from)
    return
  end
  -- a job with cells: the count is the first of them
  local source, target = prefixes[j] .. '%' .. fromName, prefixes[j] .. '%' .. toName
  if not upgraded[j] then
    upgradeWindow(from, prefixes[j] .. '#' .. fromName, source, cells[j])
    upgradeWindow(to, prefixes[j] .. '#' .. toName, target, cells[j])
  end
  local value = redis.call('HGET', source, key)
  if value then
    local new = foldedCells(j, redis.call('HGET', target, key), value, to, key, from)
    if new then redis.call('HSET', target, key, new) end
  end
  redis.call('DEL', source)
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
