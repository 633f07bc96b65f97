/**
 * Registers a job as the jobs file defines it: the same fingerprint as registered keeps its
 * generation and positions; a changed one starts the next generation from the given offsets;
 * a job never registered is new (generation 1, from the given offsets), unless it has state
 * from before registrations existed: then it is adopted, its positions the partitions' offsets
 * (what every job had counted then). Every instance starting with the same jobs file gets the
 * same answer, whichever runs first. `recompute` starts the next generation of a registered
 * job whatever its fingerprint. A file with the definition a generation still catching up
 * replaced (`replaced`, kept while `retiring` is) is 'stale', and nothing changes: a copy of the
 * old jobs file started during a rolling deploy must not flip the job back (an intended change
 * back: `recompute`, or once the new generation is live). Returns [generation,
 * 'same'|'new'|'changed'|'adopted'|'stale', the previous generation's state name or '', a
 * generation before it still to remove or ''].
 * KEYS: registry; ARGV: name, fingerprint, now, key prefix (`st:{ns}:`), topic, '1' when a
 * new generation's start misses records retention dropped (else '0'), 'recompute' or '', then
 * per partition its start offset for a new generation
 */
export const REGISTER_JOB = `
local name, fingerprint, prefix, topic = ARGV[1], ARGV[2], ARGV[4], ARGV[5]
local stateOf = function(generation) return generation == 1 and name or (name .. '~g' .. generation) end
local raw = redis.call('HGET', KEYS[1], name)
local generation, status, previous, older, replaced = 1, 'new', '', '', nil
if raw then
  local entry = cjson.decode(raw)
  if entry.fingerprint == fingerprint and ARGV[7] ~= 'recompute' then return { tostring(entry.generation), 'same', '', '' } end
  if entry.retiring and entry.replaced == fingerprint and ARGV[7] ~= 'recompute' then return { tostring(entry.generation), 'stale', '', '' } end
  generation, status, previous, older = entry.generation + 1, 'changed', stateOf(entry.generation), entry.retiring or ''
  replaced = entry.fingerprint
elseif redis.call('EXISTS', prefix .. 'open:' .. name, prefix .. 'closed:' .. name, prefix .. 'versions:' .. name) > 0 then
  status = 'adopted'
end
local positions = prefix .. 'pos:' .. stateOf(generation)
redis.call('DEL', positions)
for p = 0, #ARGV - 8 do
  local field = topic .. ':' .. p
  local offset, maxTs = ARGV[8 + p], nil
  if status == 'adopted' then
    local counted = redis.call('HMGET', prefix .. 'part:' .. topic .. ':' .. p, 'offset', 'maxTs')
    if counted[1] then offset, maxTs = counted[1], counted[2] end
  end
  redis.call('HSET', positions, field, offset)
  if maxTs then redis.call('HSET', positions, field .. ':ts', maxTs) end
end
local entry = { fingerprint = fingerprint, generation = generation, since = tonumber(ARGV[3]) }
if previous ~= '' then entry.retiring, entry.replaced = previous, replaced end
if ARGV[6] == '1' and status ~= 'adopted' then entry.partial = true end
redis.call('HSET', KEYS[1], name, cjson.encode(entry))
return { tostring(generation), status, previous, older }
`;

/**
 * Once a replaced generation's state is removed, its registration stops naming it (unless
 * another change has replaced the entry meanwhile). KEYS: registry; ARGV: name, state name
 */
export const RETIRED = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local entry = cjson.decode(raw)
if entry.retiring ~= ARGV[2] then return 0 end
entry.retiring, entry.replaced = nil, nil
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(entry))
return 1
`;
