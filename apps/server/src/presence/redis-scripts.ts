/**
 * Lua for RedisPresence. Each script touches keys of one hash slot
 * only — a room's keys share the `{room}` tag, the node registry and each node's room index
 * are single keys — so they run unchanged on Redis Cluster.
 *
 * Room data: `…{R}:users` hash userId → user JSON, `…{R}:u:<userId>` hash field → node
 * incarnation (one field per connection), `…{R}:nodes` hash incarnation → number of entries
 * in the room (lets online() skip the per-user scan when no dead node has entries there).
 * Dead incarnations are passed in as arguments: the registry lives in another slot.
 */

// Shared prologue: ARGV[from..] are dead incarnations; drop one entry and its node count.
const DEAD = `
local function deadset(from)
  local d = {}
  for i = from, #ARGV do d[ARGV[i]] = true end
  return d
end
local function drop(ukey, nodes, field, node)
  redis.call('HDEL', ukey, field)
  if redis.call('HINCRBY', nodes, node, -1) <= 0 then redis.call('HDEL', nodes, node) end
end
`

/** KEYS: ukey, users, nodes. ARGV: userId, field, incarnation, userJson, dead… → 1 if first live. */
const ADD = `${DEAD}
local dead = deadset(5)
local live, mine = 0, false
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local field, node = entries[i], entries[i + 1]
  if dead[node] then drop(KEYS[1], KEYS[3], field, node)
  elseif field == ARGV[2] then mine = true
  else live = live + 1 end
end
if not mine then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
  redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
if live == 0 and not mine then return 1 end
return 0
`

/** KEYS: ukey, users, nodes. ARGV: userId, field, dead… → 1 if it was the user's last live entry. */
const REMOVE = `${DEAD}
local node = redis.call('HGET', KEYS[1], ARGV[2])
if not node then return 0 end
drop(KEYS[1], KEYS[3], ARGV[2], node)
local dead = deadset(3)
local live = 0
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  if dead[entries[i + 1]] then drop(KEYS[1], KEYS[3], entries[i], entries[i + 1])
  else live = live + 1 end
end
if live > 0 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
`

/** KEYS: users, nodes. ARGV: ukey prefix, dead… → user JSONs with a live entry. */
const ONLINE = `${DEAD}
local dead = deadset(2)
local any = false
for i = 2, #ARGV do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then any = true break end
end
if not any then return redis.call('HVALS', KEYS[1]) end
local out = {}
local users = redis.call('HGETALL', KEYS[1])
for i = 1, #users, 2 do
  local nodes = redis.call('HVALS', ARGV[1] .. users[i])
  for _, n in ipairs(nodes) do
    if not dead[n] then out[#out + 1] = users[i + 1] break end
  end
end
return out
`

/** KEYS: users, nodes. ARGV: ukey prefix, dead… → JSONs of users whose last entries were dead. */
const REAP = `${DEAD}
local dead = deadset(2)
local any = false
for i = 2, #ARGV do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then any = true break end
end
if not any then return {} end
local gone = {}
local users = redis.call('HGETALL', KEYS[1])
for i = 1, #users, 2 do
  local k = ARGV[1] .. users[i]
  local entries = redis.call('HGETALL', k)
  local live, removed = 0, 0
  for j = 1, #entries, 2 do
    if dead[entries[j + 1]] then
      redis.call('HDEL', k, entries[j])
      removed = removed + 1
    else live = live + 1 end
  end
  if live == 0 then
    redis.call('DEL', k)
    redis.call('HDEL', KEYS[1], users[i])
    if removed > 0 then gone[#gone + 1] = users[i + 1] end
  end
end
for i = 2, #ARGV do redis.call('HDEL', KEYS[2], ARGV[i]) end
return gone
`

/**
 * KEYS: registry zset (incarnation → lease end, Redis server ms). ARGV: incarnation, ttlMs,
 * known ("1" once registered), mode ("beat" | "leave") → {alive, dead incarnations}.
 * An incarnation whose lease ran out is dead for good: it must come back under a new one.
 */
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local alive = 1
if ARGV[4] == 'leave' then
  redis.call('ZADD', KEYS[1], 0, ARGV[1])
  alive = 0
else
  local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if (s and tonumber(s) <= now) or (not s and ARGV[3] == '1') then alive = 0
  else redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1]) end
end
return { alive, redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now) }
`

/** The scripts RedisPresence runs, by name. */
export const PRESENCE_SCRIPTS = {
  chatPresenceAdd: { numberOfKeys: 3, lua: ADD },
  chatPresenceRemove: { numberOfKeys: 3, lua: REMOVE },
  chatPresenceOnline: { numberOfKeys: 2, lua: ONLINE },
  chatPresenceReap: { numberOfKeys: 2, lua: REAP },
  chatPresenceHeartbeat: { numberOfKeys: 1, lua: HEARTBEAT },
} as const
