/**
 * Lua pieces of CHECKPOINT_BATCH (state/scripts.ts) for aggregates' cells, used by a batch and
 * by a session merge alike (state/session-scripts.ts). A window's cells are one hash
 * (`%<window>` under its job's prefix), a field per key holding all of the key's cells packed
 * in one text, read with one HMGET and written with one HSET per window and batch: a call per
 * cell and key was most of an aggregating job's Redis time (docs/benchmarks.md, session 15),
 * and a field per cell and key most of the rest (session 24). Until session 24 a field was one
 * cell's (`#<window>`, fields `<cell>|<key>`): UPGRADE_FUNCTIONS packs such a hash the first
 * time a window is touched or read.
 */

/** How many distinct values a set cell keeps exactly, per key and window, before it becomes a HyperLogLog. */
export const SMALL_SET_MAX = 32;

/**
 * A set cell's field: its values while there are at most SMALL_SET_MAX, each as
 * `<bytes>:<value>` (any byte may be in a value), or `*` once they are kept in a HyperLogLog
 * (`<window>|<cell>|<key>`, i.e. the window's key, `|` and the field).
 */
const SET_TEXT_FUNCTIONS = `
local function setElements(text)
  local list, pos = {}, 1
  while pos <= #text do
    local colon = string.find(text, ':', pos, true)
    local size = tonumber(string.sub(text, pos, colon - 1))
    list[#list + 1] = string.sub(text, colon + 1, colon + size)
    pos = colon + size + 1
  end
  return list
end
`;

/**
 * A key's cells packed: each cell's text in the job's order, as `<bytes>:<text>`, '' for a
 * cell that has no value yet (an optional field missing from all of the key's events).
 */
export const PACKED_FUNCTIONS = `
local function unpacked(text, n)
  local list, pos = {}, 1
  for i = 1, n do
    local colon = string.find(text, ':', pos, true)
    local size = tonumber(string.sub(text, pos, colon - 1))
    list[i] = string.sub(text, colon + 1, colon + size)
    pos = colon + size + 1
  end
  return list
end

local function packedCells(list)
  local parts = {}
  for i, text in ipairs(list) do parts[i] = #text .. ':' .. text end
  return table.concat(parts)
end
`;

/**
 * Windows written by an older aggregator, upgraded as the aggregator starts (layout-upgrade.ts)
 * or, for a job not marked upgraded, the first time they are touched or read (a window open
 * across the upgrade keeps its values; a fleet is upgraded whole, as for versions: an older
 * instance would keep writing the old layout).
 * `upgradeWindow(counts, old, hash, list)`: until session 28 a job with cells kept its counts in
 * a hash of their own (`<window>`, key -> count) beside the cells hash, whose texts had no count
 * cell: each key's count goes first in its text (`list` starts with the count cell), and the
 * counts hash goes. Only a window with such a hash is looked at further:
 * `upgradeCells(old, hash, list)`: until session 24 a window's cells hash had a field per cell
 * and key (`<cell>|<key>`); its cells are packed into the cells hash (a cell's text is the
 * same in both, and its HyperLogLog keeps its name), and it goes.
 */
export const UPGRADE_FUNCTIONS = `
local function upgradeCells(old, hash, list)
  if redis.call('EXISTS', old) == 0 then return end
  local flat, index, byKey, order = redis.call('HGETALL', old), {}, {}, {}
  for c, cell in ipairs(list) do index[cell[1]] = c end
  for i = 1, #flat, 2 do
    local bar = string.find(flat[i], '|', 1, true)
    local c = bar and index[string.sub(flat[i], 1, bar - 1)]
    if c then
      local key = string.sub(flat[i], bar + 1)
      local values = byKey[key]
      if not values then
        values = {}
        for x = 1, #list do values[x] = '' end
        byKey[key], order[#order + 1] = values, key
      end
      values[c] = flat[i + 1]
    end
  end
  local out = {}
  for _, key in ipairs(order) do
    out[#out + 1] = key
    out[#out + 1] = packedCells(byKey[key])
  end
  hsetPairs(hash, out)
  redis.call('DEL', old)
end

local function upgradeWindow(counts, old, hash, list)
  if redis.call('EXISTS', counts) == 0 then return end
  local others = { unpack(list, 2) }
  upgradeCells(old, hash, others)
  local texts, packed, out = redis.call('HGETALL', hash), {}, {}
  for i = 1, #texts, 2 do packed[texts[i]] = texts[i + 1] end
  local flat, empty = redis.call('HGETALL', counts), string.rep('0:', #others)
  for i = 1, #flat, 2 do
    local key, count = flat[i], flat[i + 1]
    out[#out + 1] = key
    out[#out + 1] = #count .. ':' .. count .. (packed[key] or empty)
    packed[key] = nil
  end
  -- a key with cells and no count (none has one: every event counts) keeps its cells
  for i = 1, #texts, 2 do
    if packed[texts[i]] then
      out[#out + 1] = texts[i]
      out[#out + 1] = '0:' .. texts[i + 1]
    end
  end
  hsetPairs(hash, out)
  redis.call('DEL', counts)
end
`;

/**
 * `applyCounts(hash, keys, increments)`: a count-only job's counts of a window, added to like an
 * `incr` cell (a job with cells has its counts among them: COUNT_CELL in state-encoding.ts).
 * `applyPacked(hash, j, keys, texts, bigs, window)`: a batch's cells of a window folded into
 * its cells hash, a field per key holding all of the key's cells packed (`packedCells`).
 * Per cell, by its op: `incr` adds, exactly while both numbers are below 2^52 (Lua's numbers
 * are doubles), else with Redis's own 64-bit INCRBY (a sum leaving that range is marked
 * "overflow" instead of failing the batch forever; an overflowed sum folded in stays
 * overflowed); `min`/`max` compare and set; `hll` adds the batch's elements to the key's set
 * (its HyperLogLog: `<window>|<cell>|<key>`): exact while small, a HyperLogLog past
 * SMALL_SET_MAX, and adding a value twice changes nothing. A key the window does not hold yet
 * (most of a catch-up's) takes its text as it comes, unless a set of it is too large to stay
 * exact (`bigs`). Numbers come and go as decimal text, written with %d: never an exponent (see
 * CHECKPOINT_BATCH).
 */
export const CELL_FUNCTIONS = `
${SET_TEXT_FUNCTIONS}
${PACKED_FUNCTIONS}
local EXACT = 2 ^ 52
-- an exact sum of two decimal texts, by Redis's 64-bit INCRBY once doubles would round it
local function added(a, b, window)
  local x, y = tonumber(a), tonumber(b)
  if x and y and math.abs(x) < EXACT and math.abs(y) < EXACT then return string.format('%d', x + y) end
  -- its reply would come back as a double: the sum is read as text
  local scratch = window .. '|+'
  redis.call('SET', scratch, a)
  local refused = type(redis.pcall('INCRBY', scratch, b)) == 'table'
  local sum = redis.call('GET', scratch)
  redis.call('DEL', scratch)
  if refused then return 'overflow' end
  return sum
end

-- the new value of a number cell (nil: unchanged)
local function folded(op, current, value, window)
  if op == 'incr' then
    if current == 'overflow' then return nil end
    if value == 'overflow' then return value end
    return added(current, value, window)
  end
  local c, v = tonumber(current), tonumber(value)
  if v ~= nil and (c == nil or (op == 'min' and v < c) or (op == 'max' and v > c)) then return value end
  return nil
end

local function pfaddAll(hll, list)
  for from = 1, #list, 4000 do redis.call('PFADD', hll, unpack(list, from, math.min(from + 3999, #list))) end
end

-- the new text of a set cell (nil: unchanged); the elements come distinct (a batch's set, or
-- a merged session's); its HyperLogLog's name is built only when it has one
local function foldedSet(current, elements, hll)
  if current == '*' then
    pfaddAll(hll, elements)
    return nil
  end
  if current == '' then
    if #elements > ${SMALL_SET_MAX} then
      pfaddAll(hll, elements)
      return '*'
    end
    local parts = {}
    for i, e in ipairs(elements) do parts[i] = #e .. ':' .. e end
    return table.concat(parts)
  end
  local list, seen, fresh = setElements(current), {}, {}
  for _, e in ipairs(list) do seen[e] = true end
  for _, e in ipairs(elements) do
    if not seen[e] then
      seen[e] = true
      list[#list + 1] = e
      fresh[#fresh + 1] = #e .. ':' .. e
    end
  end
  if #fresh == 0 then return nil end
  if #list > ${SMALL_SET_MAX} then
    pfaddAll(hll, list)
    return '*'
  end
  return current .. table.concat(fresh)
end

-- a set kept as a HyperLogLog merged into a key's set (a session absorbed into another)
local function mergedHll(current, into, from)
  if current ~= '' and current ~= '*' then pfaddAll(into, setElements(current)) end
  redis.call('PFMERGE', into, from)
  redis.call('DEL', from)
  return '*'
end

-- a key's cells (packed text or false) with another's folded in, under the window's name
-- (its HyperLogLogs'); \`from\`: the window the other's HyperLogLogs are under (a session's)
local function foldedCells(j, current, incoming, window, key, from)
  local list = cells[j]
  local now, add, changed = current and unpacked(current, #list) or {}, unpacked(incoming, #list), false
  for c, cell in ipairs(list) do
    local op, was, value = cell[2], now[c] or '', add[c]
    local new = nil
    if op == 'hll' and value == '*' then
      new = mergedHll(was, window .. '|' .. cell[3] .. key, from .. '|' .. cell[3] .. key)
    elseif op == 'hll' and value ~= '' then
      new = foldedSet(was, setElements(value), window .. '|' .. cell[3] .. key)
    elseif value ~= '' then
      if was == '' then new = value else new = folded(op, was, value, window) end
    end
    if new then now[c], changed = new, true else now[c] = was end
  end
  if changed then return packedCells(now) end
  return nil
end

-- a batch's counts added to a window's counts hash with one read and one write, not a HINCRBY
-- per key (checkpoint-script.cjs, routes-shaped: 17.6 -> 14.7 ms a batch); the increments come
-- as decimal text, as cells' values do. A field not there yet (most of a catch-up's) takes its
-- value as it comes, and the loops keep their own counts: the fold per value was most of a
-- stats catch-up's Redis time (docs/benchmarks.md, session 19)
local function applyCounts(hash, keys, increments)
  local n = #keys
  if n == 0 then return end
  local current, out, o = hmgetAll(hash, keys), {}, 0
  for i = 1, n do
    local now, increment = current[i], increments[i]
    local new = increment
    if now then
      local a, b = tonumber(now), tonumber(increment)
      if math.abs(a) < EXACT and math.abs(b) < EXACT then
        new = string.format('%d', a + b)
      else
        redis.call('HINCRBY', hash, keys[i], increment)
        new = nil
      end
    end
    if new then
      out[o + 1], out[o + 2] = keys[i], new
      o = o + 2
    end
  end
  hsetPairs(hash, out)
end

local function applyPacked(hash, j, keys, texts, bigs, window)
  local n = #keys
  if n == 0 then return end
  local current, out, o = hmgetAll(hash, keys), {}, 0
  for i = 1, n do
    local new = texts[i]
    if current[i] or bigs[i] == 1 then new = foldedCells(j, current[i], new, window, keys[i], window) end
    if new then
      out[o + 1], out[o + 2] = keys[i], new
      o = o + 2
    end
  end
  hsetPairs(hash, out)
end
`;
