// Lua scripts for sessions. A session key and its user's index set share the user's hash tag.
import { GROUP_LENGTH } from '../types.js'

const FIELDS = `local FIELDS = {'uid', 'em', 'c', 'ls', 'ax', 'ie', 'd', 'dv', 'rh', 'at', 'm'}`

/** KEYS[1] session, KEYS[2] user index. ARGV: ttlMs, id, then field/value pairs. */
export const CREATE_SESSION = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
return 1
`

/** KEYS[1] session, KEYS[2] user index. ARGV: now, idleTtlMs, id. Returns the fields or nil. */
export const TOUCH_SESSION = FIELDS + `
local f = redis.call('HMGET', KEYS[1], unpack(FIELDS))
if not f[1] then return nil end
local now = tonumber(ARGV[1])
local ax = tonumber(f[5])
if now >= tonumber(f[6]) or now >= ax then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[3])
  return nil
end
local ie = now + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'ls', now, 'ie', ie)
local ttl = math.max(1, math.min(ie, ax) - now)
redis.call('PEXPIRE', KEYS[1], ttl)
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
f[4] = tostring(now)
f[6] = tostring(ie)
return f
`

/**
 * KEYS[1] session, KEYS[2] user index. ARGV: now, idleTtlMs, id, presented hash, next hash,
 * channel, spent hashes kept. Returns {'rotated', fields}, {'reused'} (session deleted, notified)
 * or {'invalid'}. Spent hashes are kept space-separated in 'rs', newest first.
 */
export const REFRESH_SESSION = FIELDS + `
local f = redis.call('HMGET', KEYS[1], unpack(FIELDS))
if not f[1] or not f[9] then return {'invalid'} end
local now = tonumber(ARGV[1])
local ax = tonumber(f[5])
if now >= tonumber(f[6]) or now >= ax then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[3])
  return {'invalid'}
end
local rs = redis.call('HGET', KEYS[1], 'rs') or ''
if f[9] == ARGV[4] then
  local kept = {ARGV[4]}
  for h in string.gmatch(rs, '%S+') do
    if #kept < tonumber(ARGV[7]) then table.insert(kept, h) end
  end
  local ie = now + tonumber(ARGV[2])
  redis.call('HSET', KEYS[1], 'rh', ARGV[5], 'rs', table.concat(kept, ' '), 'ls', now, 'ie', ie)
  local ttl = math.max(1, math.min(ie, ax) - now)
  redis.call('PEXPIRE', KEYS[1], ttl)
  if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
  f[4] = tostring(now)
  f[6] = tostring(ie)
  f[9] = ARGV[5]
  return {'rotated', f}
end
for h in string.gmatch(rs, '%S+') do
  if h == ARGV[4] then
    redis.call('DEL', KEYS[1])
    redis.call('SREM', KEYS[2], ARGV[3])
    redis.call('PUBLISH', ARGV[6], 'r:' .. ARGV[3])
    return {'reused'}
  end
end
return {'invalid'}
`

/** KEYS[1] user index. ARGV: session key prefix (with the hash tag). Returns {id, fields...} per live session. */
export const LIST_SESSIONS = FIELDS + `
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local f = redis.call('HMGET', ARGV[1] .. string.sub(id, ${GROUP_LENGTH} + 1), unpack(FIELDS))
  if f[1] then
    table.insert(out, id)
    table.insert(out, f)
  else
    redis.call('SREM', KEYS[1], id)
  end
end
return out
`

/** KEYS[1] session, KEYS[2] user index. ARGV: id, channel. */
export const REVOKE_SESSION = `
local n = redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
if n > 0 then redis.call('PUBLISH', ARGV[2], 'r:' .. ARGV[1]) end
return n
`

/** KEYS[1] user index. ARGV: session key prefix (with the hash tag), channel. */
export const REVOKE_SESSIONS = `
local ids = redis.call('SMEMBERS', KEYS[1])
local live = {}
for _, id in ipairs(ids) do
  if redis.call('DEL', ARGV[1] .. string.sub(id, ${GROUP_LENGTH} + 1)) > 0 then table.insert(live, id) end
end
redis.call('DEL', KEYS[1])
if #live > 0 then redis.call('PUBLISH', ARGV[2], 'r:' .. table.concat(live, ',')) end
return live
`

/** KEYS[1] counter. ARGV: windowMs. Fixed window. */
export const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}
`
