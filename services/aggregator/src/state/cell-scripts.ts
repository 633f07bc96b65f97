/**
 * Lua pieces of CHECKPOINT_BATCH (state/scripts.ts) for aggregates' cells, used by a batch and
 * by a session merge alike (state/session-scripts.ts). A window's cells are one hash
 * (`#<window>` under its job's prefix, fields `<cell>|<key>`), read with one HMGET and written
 * with one HSET per window and batch: a call per cell and key was most of an aggregating job's
 * Redis time (docs/benchmarks.md, session 15).
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

/** `setSize(text)`: how many values a set field's text holds, without copying them out (READ_WINDOWS). */
export const SET_SIZE_FUNCTION = `
local function setSize(text)
  local n, pos = 0, 1
  while pos <= #text do
    local colon = string.find(text, ':', pos, true)
    pos = colon + tonumber(string.sub(text, pos, colon - 1)) + 1
    n = n + 1
  end
  return n
end
`;

/**
 * `applyCounts(hash, keys, increments)`: a window's counts, added to like an `incr` cell.
 * `applyCells(hash, fields, ops, values, window)`: values folded into a window's cells by their
 * ops. `incr` adds, exactly while both numbers are below 2^52 (Lua's numbers are doubles), else
 * with HINCRBY (a sum leaving Redis's 64-bit range is marked "overflow" instead of failing the
 * batch forever; an overflowed sum folded in stays overflowed); `min`/`max` compare and set;
 * `hll` adds a list of values to the key's set (its HyperLogLog: `<window>|<field>`): exact while
 * small, a HyperLogLog past SMALL_SET_MAX, and adding a value twice changes nothing. Numbers
 * come and go as decimal text, written with %d: never an exponent (see CHECKPOINT_BATCH).
 */
export const CELL_FUNCTIONS = `
${SET_TEXT_FUNCTIONS}
local EXACT = 2 ^ 52
-- the new value of a number field (nil: unchanged; false: too large here, add it with HINCRBY)
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

local function pfaddAll(hll, list)
  for from = 1, #list, 4000 do redis.call('PFADD', hll, unpack(list, from, math.min(from + 3999, #list))) end
end

-- the new text of a set field (nil: unchanged); the elements come distinct (a batch's set, or
-- a merged session's); its HyperLogLog's name is built only when it has one
local function foldedSet(current, elements, window, field)
  if current == '*' then
    pfaddAll(window .. '|' .. field, elements)
    return nil
  end
  if not current then
    if #elements > ${SMALL_SET_MAX} then
      pfaddAll(window .. '|' .. field, elements)
      return '*'
    end
    if #elements == 1 then return #elements[1] .. ':' .. elements[1] end
    local parts = {}
    for i, e in ipairs(elements) do parts[i] = #e .. ':' .. e end
    return table.concat(parts)
  end
  local list, seen, added = setElements(current), {}, {}
  for _, e in ipairs(list) do seen[e] = true end
  for _, e in ipairs(elements) do
    if not seen[e] then
      seen[e] = true
      list[#list + 1] = e
      added[#added + 1] = #e .. ':' .. e
    end
  end
  if #added == 0 then return nil end
  if #list > ${SMALL_SET_MAX} then
    pfaddAll(window .. '|' .. field, list)
    return '*'
  end
  return current .. table.concat(added)
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
    if now then new = folded('incr', now, increment) end
    if new then
      out[o + 1], out[o + 2] = keys[i], new
      o = o + 2
    elseif new == false then
      redis.call('HINCRBY', hash, keys[i], increment)
    end
  end
  hsetPairs(hash, out)
end

local function applyCells(hash, fields, ops, values, window)
  local n = #fields
  if n == 0 then return end
  local current, out, o = hmgetAll(hash, fields), {}, 0
  for i = 1, n do
    local op, now, new = ops[i], current[i], values[i]
    if op == 'hll' then
      new = foldedSet(now, new, window, fields[i])
    elseif now then
      new = folded(op, now, new)
    end
    if new then
      out[o + 1], out[o + 2] = fields[i], new
      o = o + 2
    elseif new == false then
      local added = redis.pcall('HINCRBY', hash, fields[i], values[i])
      if type(added) == 'table' and added.err then redis.call('HSET', hash, fields[i], 'overflow') end
    end
  end
  hsetPairs(hash, out)
end
`;
