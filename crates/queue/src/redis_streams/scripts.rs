//! Lua scripts: each multi-step change of a kind's keys runs atomically on
//! the server, so concurrent consumers never see half of one.
//!
//! Keys of a kind K under prefix P: `P:K` (stream), `P:K:delayed` (sorted
//! set of encoded envelopes scored by the Unix ms they are due),
//! `P:K:dead` (dead-letter stream).

use std::sync::LazyLock;

use redis::Script;

/// Server time in ms, from TIME (scripts replicate effects, so reading the
/// clock is allowed).
const NOW_MS: &str = "local function now_ms() local t = redis.call('TIME') \
     return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end\n";

/// KEYS: stream, delayed. ARGV: max_depth, envelope.
/// Returns {1, depth after} when added, {0, depth} when full.
pub(super) static ENQUEUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local depth = redis.call('XLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2])
if depth >= tonumber(ARGV[1]) then return {0, depth} end
redis.call('XADD', KEYS[1], '*', 'env', ARGV[2])
return {1, depth + 1}
",
    )
});

/// KEYS: stream, delayed. ARGV: group, consumer, min idle ms, count.
/// Creates the group when missing (reading from the start of the stream),
/// moves due retries into the stream, then claims entries idle for at
/// least min idle ms. Returns {claimed, ms until the next retry is due or -1}
/// where claimed is a list of {id, fields, times delivered}.
pub(super) static RECLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r"{NOW_MS}
local stream, delayed = KEYS[1], KEYS[2]
local group, consumer = ARGV[1], ARGV[2]
local created = redis.pcall('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
if type(created) == 'table' and created.err and not string.find(created.err, 'BUSYGROUP') then
  return redis.error_reply(created.err)
end
local now = now_ms()
local due = redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, 1000)
for _, envelope in ipairs(due) do
  redis.call('XADD', stream, '*', 'env', envelope)
  redis.call('ZREM', delayed, envelope)
end
local next_due = -1
local upcoming = redis.call('ZRANGE', delayed, 0, 0, 'WITHSCORES')
if #upcoming > 0 then next_due = math.max(0, tonumber(upcoming[2]) - now) end
local claimed = {{}}
local want = tonumber(ARGV[4])
local cursor = '0-0'
for _ = 1, 10 do
  local reply = redis.call('XAUTOCLAIM', stream, group, consumer, ARGV[3], cursor, 'COUNT', want - #claimed)
  cursor = reply[1]
  for _, entry in ipairs(reply[2]) do
    local id = entry[1]
    local info = redis.call('XPENDING', stream, group, id, id, 1)
    claimed[#claimed + 1] = {{id, entry[2], info[1][4]}}
  end
  -- entries deleted while pending: nothing to deliver, drop them from the PEL
  for _, id in ipairs(reply[3] or {{}}) do redis.call('XACK', stream, group, id) end
  if cursor == '0-0' or #claimed >= want then break end
end
return {{claimed, next_due}}
"
    ))
});

/// KEYS: stream. ARGV: group, consumer, id.
/// Resets the entry's idle time if `consumer` still holds it: 1, else 0.
pub(super) static EXTEND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local info = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #info == 0 or info[1][2] ~= ARGV[2] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
",
    )
});

/// KEYS: stream, delayed, dead. ARGV: group, consumer, id, action, envelope,
/// argument. Takes the entry out of the stream if `consumer` still holds it
/// and then, by action: `delay` puts the envelope in the delayed set due in
/// argument ms; `dead` adds it to the dead letters with argument as the
/// error; `release` adds it back to the stream. Returns 1, or 0 when the
/// consumer no longer holds the entry (nothing changed).
pub(super) static SETTLE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r"{NOW_MS}
local stream, delayed, dead = KEYS[1], KEYS[2], KEYS[3]
local group, consumer, id, action, envelope, argument = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local info = redis.call('XPENDING', stream, group, id, id, 1)
if #info == 0 or info[1][2] ~= consumer then return 0 end
redis.call('XACK', stream, group, id)
redis.call('XDEL', stream, id)
if action == 'delay' then
  redis.call('ZADD', delayed, now_ms() + tonumber(argument), envelope)
elseif action == 'dead' then
  redis.call('XADD', dead, '*', 'env', envelope, 'error', argument, 'failed_at_ms', now_ms())
elseif action == 'release' then
  redis.call('XADD', stream, '*', 'env', envelope)
else
  return redis.error_reply('unknown settle action ' .. action)
end
return 1
"
    ))
});

/// KEYS: stream, dead. ARGV: pairs of dead-letter id and envelope.
/// Moves each dead letter that is still there back to the stream; returns
/// how many moved.
pub(super) static REQUEUE_DEAD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local moved = 0
for i = 1, #ARGV, 2 do
  if redis.call('XDEL', KEYS[2], ARGV[i]) == 1 then
    redis.call('XADD', KEYS[1], '*', 'env', ARGV[i + 1])
    moved = moved + 1
  end
end
return moved
",
    )
});

/// KEYS: dead. Deletes the dead-letter stream; returns how many it held.
pub(super) static PURGE_DEAD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local n = redis.call('XLEN', KEYS[1])
redis.call('DEL', KEYS[1])
return n
",
    )
});

/// KEYS: stream, delayed, dead. ARGV: group.
/// Returns {now ms, stream length, delayed, dead letters, oldest entry id or
/// nil, pending, first undelivered entry id or nil, group exists (0/1),
/// consumers as {name, pending, idle ms}}.
pub(super) static STATS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r"{NOW_MS}
local stream, delayed, dead = KEYS[1], KEYS[2], KEYS[3]
local function fields(flat)
  local t = {{}}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end
local length = redis.call('XLEN', stream)
local oldest = false
local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
if #first > 0 then oldest = first[1][1] end
local pending, undelivered, has_group, consumers = 0, oldest, 0, {{}}
if redis.call('EXISTS', stream) == 1 then
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
    local group = fields(g)
    if group['name'] == ARGV[1] then
      has_group = 1
      pending = group['pending']
      undelivered = false
      local next = redis.call('XRANGE', stream, '(' .. group['last-delivered-id'], '+', 'COUNT', 1)
      if #next > 0 then undelivered = next[1][1] end
      for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', stream, ARGV[1])) do
        local consumer = fields(c)
        consumers[#consumers + 1] = {{consumer['name'], consumer['pending'], consumer['idle']}}
      end
    end
  end
end
return {{now_ms(), length, redis.call('ZCARD', delayed), redis.call('XLEN', dead), oldest, pending, undelivered, has_group, consumers}}
"
    ))
});
