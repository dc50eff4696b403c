import { GROUP_LENGTH } from '../types.js'

// Lua scripts for flow transitions. Each runs atomically on the Redis server; every key a script
// touches shares the flow's hash tag, so they work on Redis Cluster. Secrets arrive as hashes.

/** Shared prelude: the same rules as `flowGate` in flow-rules.ts. */
const GATE = `
local function gate(st, expired)
  if st == 'approved' or st == 'claimed' then return 'used' end
  if st == 'denied' then return 'denied' end
  if expired then return 'expired' end
  if st == 'superseded' then return 'superseded' end
  return nil
end
local DAY = 86400000
local function deny(key, channel, flowId)
  redis.call('HSET', key, 'st', 'denied')
  redis.call('PUBLISH', channel, 'f:' .. flowId)
  return {'denied'}
end
-- The address's budget of wrong codes over all its flows (fields fc/fw of its mailbox).
local function spent(box, now, max)
  if max <= 0 then return false end
  local fw = tonumber(redis.call('HGET', box, 'fw') or '0')
  return now - fw < DAY and tonumber(redis.call('HGET', box, 'fc') or '0') >= max
end
local function wrong(key, box, now, max, maxAddress, channel, flowId)
  if maxAddress > 0 then
    local fw = tonumber(redis.call('HGET', box, 'fw') or '0')
    if now - fw >= DAY then redis.call('HSET', box, 'fw', now, 'fc', 1) else redis.call('HINCRBY', box, 'fc', 1) end
    if redis.call('PTTL', box) < DAY then redis.call('PEXPIRE', box, DAY) end
  end
  local n = redis.call('HINCRBY', key, 'ca', 1)
  if n < max and not spent(box, now, maxAddress) then return {'wrong_code', tostring(max - n)} end
  return deny(key, channel, flowId)
end
local function use(key, box, st, now, device, sid, channel, flowId)
  -- 'sb' = 1: signed in on the asking browser itself; its poller is told once (claimFlow), after
  -- the caller has sent the session cookie (publishFlow). An approval notifies at once.
  redis.call('HSET', key, 'st', st, 'at', now, 'ud', device, 'ss', sid, 'sb', st == 'claimed' and 1 or 0)
  redis.call('HDEL', box, 'fc', 'fw')
  if st == 'approved' then redis.call('PUBLISH', channel, 'f:' .. flowId) end
end
`

/**
 * KEYS[1] flow, KEYS[2] the address's mailbox.
 * ARGV: now, ttlMs, send, minGapMs, perHour, channel, flowId, flowKeyPrefix, then the flow's field/value pairs.
 * Returns 1 when the mail must be sent, else 0. Within the address's budget, the flow supersedes
 * the older pending one, mail or not.
 */
export const CREATE_FLOW = `
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local box = KEYS[2]
local last = tonumber(redis.call('HGET', box, 'last') or '0')
local ws = tonumber(redis.call('HGET', box, 'ws') or '0')
local n = tonumber(redis.call('HGET', box, 'n') or '0')
if now - ws >= 3600000 then ws = now; n = 0 end
local within = not (last > 0 and now - last < tonumber(ARGV[4])) and n < tonumber(ARGV[5])
if within then last = now; n = n + 1 end
local sent = within and ARGV[3] == '1'
-- A decoy (no mail: unknown address) supersedes too: otherwise an older poller would tell a
-- known address (expired_token) from an unknown one (still pending).
if within then
  local old = redis.call('HGET', box, 'cur')
  if old and old ~= ARGV[7] then
    local okey = ARGV[8] .. string.sub(old, ${GROUP_LENGTH} + 1)
    if redis.call('HGET', okey, 'st') == 'pending' then
      redis.call('HSET', okey, 'st', 'superseded')
      redis.call('PUBLISH', ARGV[6], 'f:' .. old)
    end
  end
  redis.call('HSET', box, 'cur', ARGV[7])
end
redis.call('HSET', box, 'last', last, 'ws', ws, 'n', n)
if redis.call('PTTL', box) < math.max(3600000, ttl) then redis.call('PEXPIRE', box, math.max(3600000, ttl)) end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'st', 'pending', 'ca', 0, 'lp', 0, unpack(ARGV, 9))
redis.call('PEXPIRE', KEYS[1], ttl)
if sent then return 1 end
return 0
`

/**
 * KEYS[1] flow, KEYS[2] the address's mailbox.
 * ARGV: now, linkHash, pollHash|'', matchHash|'', device, maxAttempts, sessionId, channel, flowId, maxAddressFailures.
 */
export const VERIFY_FLOW = GATE + `
local f = redis.call('HMGET', KEYS[1], 'lh', 'st', 'x', 'ph', 'mh', 'em', 'rt', 'dv', 'cu', 'cs')
if not f[1] or f[1] ~= ARGV[2] then return {'invalid', 'unknown'} end
local now = tonumber(ARGV[1])
local g = gate(f[2], now >= tonumber(f[3]))
if g then return {'invalid', g} end
if ARGV[3] ~= '' and ARGV[3] == f[4] then
  use(KEYS[1], KEYS[2], 'claimed', now, ARGV[5], ARGV[7], ARGV[8], ARGV[9])
  return {'signed_in', f[6], f[7], f[8], f[9], f[10]}
end
if ARGV[4] == '' then return {'code_required'} end
local maxAddress = tonumber(ARGV[10])
if spent(KEYS[2], now, maxAddress) then return deny(KEYS[1], ARGV[8], ARGV[9]) end
if ARGV[4] ~= f[5] then return wrong(KEYS[1], KEYS[2], now, tonumber(ARGV[6]), maxAddress, ARGV[8], ARGV[9]) end
use(KEYS[1], KEYS[2], 'approved', now, ARGV[5], '', ARGV[8], ARGV[9])
return {'approved', f[6], f[7], f[8], f[9], f[10]}
`

/**
 * KEYS[1] flow. ARGV: now, pollHash, force, claimWindowMs, backoff, sessionId.
 */
export const CLAIM_FLOW = `
local f = redis.call('HMGET', KEYS[1], 'ph', 'st', 'x', 'lp', 'iv', 'at', 'em', 'rt', 'dv', 'ud', 'sb', 'cu', 'cs')
if not f[1] or f[1] ~= ARGV[2] then return {'expired'} end
local now = tonumber(ARGV[1])
local st = f[2]
if st == 'claimed' and f[11] == '1' and now < tonumber(f[3]) then
  redis.call('HSET', KEYS[1], 'sb', 2)
  return {'completed', f[8]}
end
if now >= tonumber(f[3]) or st == 'superseded' or st == 'claimed' then return {'expired'} end
if st == 'denied' then return {'denied'} end
local lp = tonumber(f[4])
local iv = tonumber(f[5])
if ARGV[3] ~= '1' and lp > 0 and now - lp < iv * 1000 then
  iv = iv + tonumber(ARGV[5])
  redis.call('HSET', KEYS[1], 'iv', iv, 'lp', now)
  return {'slow_down', tostring(iv)}
end
redis.call('HSET', KEYS[1], 'lp', now)
if st == 'pending' then return {'pending', tostring(iv)} end
if now - tonumber(f[6]) > tonumber(ARGV[4]) then return {'expired'} end
redis.call('HSET', KEYS[1], 'st', 'claimed', 'ss', ARGV[6])
return {'claimed', f[7], f[8], f[9], f[10], f[12], f[13]}
`

/**
 * KEYS[1] flow, KEYS[2] the address's mailbox.
 * ARGV: now, pollHash, otpHash, device, maxAttempts, sessionId, channel, flowId, maxAddressFailures.
 */
export const CODE_FLOW = GATE + `
local f = redis.call('HMGET', KEYS[1], 'ph', 'st', 'x', 'oh', 'em', 'rt', 'dv', 'cu', 'cs')
if not f[1] or f[1] ~= ARGV[2] then return {'invalid', 'unknown'} end
local now = tonumber(ARGV[1])
local g = gate(f[2], now >= tonumber(f[3]))
if g then return {'invalid', g} end
local maxAddress = tonumber(ARGV[9])
if spent(KEYS[2], now, maxAddress) then return deny(KEYS[1], ARGV[7], ARGV[8]) end
if not f[4] or f[4] == '' or f[4] ~= ARGV[3] then return wrong(KEYS[1], KEYS[2], now, tonumber(ARGV[5]), maxAddress, ARGV[7], ARGV[8]) end
use(KEYS[1], KEYS[2], 'claimed', now, ARGV[4], ARGV[6], ARGV[7], ARGV[8])
return {'signed_in', f[5], f[6], f[7], f[8], f[9]}
`
