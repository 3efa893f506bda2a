import type { Cluster, Redis } from 'ioredis';

/**
 * The registry's writes, each one Lua script so Redis runs it atomically: the
 * state change, the model's audit entry and the outbox entry (the lifecycle
 * event to publish) land together or not at all, so history and state never
 * disagree. Scripts answer `{status, ...}` arrays instead of errors so the
 * store can map each status to its error class without parsing messages.
 */

/**
 * Appends one change to the model's audit stream, numbered by the model's
 * change counter, and the same change, tagged with the model, to the outbox.
 */
const RECORD_CHANGE = `
local function record_change(meta_key, audit_key, outbox_key, model, fields)
  local sequence = redis.call('HINCRBY', meta_key, 'change_sequence', 1)
  table.insert(fields, 1, 'sequence')
  table.insert(fields, 2, sequence)
  local id = redis.call('XADD', audit_key, '*', unpack(fields))
  local entry = {'model', model, 'audit_id', id}
  for _, value in ipairs(fields) do entry[#entry + 1] = value end
  redis.call('XADD', outbox_key, '*', unpack(entry))
  return id
end
`;

/**
 * KEYS: models, meta, versions, digests, audit, outbox.
 * ARGV: model, sha256, record JSON, profile bytes ('' = none), at ms, actor, reason, parent version ('' = none), version key prefix.
 */
const REGISTER_VERSION = `${RECORD_CHANGE}
local existing = redis.call('HGET', KEYS[4], ARGV[2])
if existing then return {'ALREADY_EXISTS', existing} end
if ARGV[8] ~= '' and not redis.call('ZSCORE', KEYS[3], ARGV[8]) then return {'PARENT_NOT_FOUND'} end
local version = redis.call('HINCRBY', KEYS[2], 'last_version', 1)
redis.call('HSETNX', KEYS[2], 'created_at_ms', ARGV[5])
redis.call('SADD', KEYS[1], ARGV[1])
local key = ARGV[9] .. version
redis.call('HSET', key, 'record', ARGV[3], 'status', 'registered', 'created_at_ms', ARGV[5])
if ARGV[4] ~= '' then redis.call('HSET', key, 'profile', ARGV[4]) end
redis.call('ZADD', KEYS[3], version, version)
redis.call('HSET', KEYS[4], ARGV[2], version)
local id = record_change(KEYS[2], KEYS[5], KEYS[6], ARGV[1],
  {'kind', 'registered', 'version', version, 'actor', ARGV[6], 'reason', ARGV[7], 'at_ms', ARGV[5]})
return {'OK', version, id}
`;

/**
 * KEYS: meta, versions, audit, outbox.
 * ARGV: model, version, approval JSON, at ms, actor, reason, version key prefix.
 */
const APPROVE_VERSION = `${RECORD_CHANGE}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'MODEL_NOT_FOUND'} end
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then return {'VERSION_NOT_FOUND'} end
local key = ARGV[7] .. ARGV[2]
if redis.call('HGET', key, 'status') == 'approved' then return {'ALREADY_APPROVED'} end
redis.call('HSET', key, 'status', 'approved', 'approval', ARGV[3])
local id = record_change(KEYS[1], KEYS[3], KEYS[4], ARGV[1],
  {'kind', 'approved', 'version', ARGV[2], 'actor', ARGV[5], 'reason', ARGV[6], 'at_ms', ARGV[4]})
return {'OK', id}
`;

/**
 * Compare-and-set of an alias.
 * KEYS: meta, versions, aliases, alias history, audit, outbox.
 * ARGV: model, alias, target version, expected ('*' = any, '' = unset, else a version), at ms, actor, reason,
 *       whether the target must be approved ('1'/'0'), version key prefix, alias history length.
 */
const SET_ALIAS = `${RECORD_CHANGE}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'MODEL_NOT_FOUND'} end
if not redis.call('ZSCORE', KEYS[2], ARGV[3]) then return {'VERSION_NOT_FOUND'} end
local current = redis.call('HGET', KEYS[3], ARGV[2]) or ''
if ARGV[4] ~= '*' and current ~= ARGV[4] then return {'CONFLICT', current} end
if current == ARGV[3] then return {'UNCHANGED', current} end
if ARGV[8] == '1' and redis.call('HGET', ARGV[9] .. ARGV[3], 'status') ~= 'approved' then
  return {'APPROVAL_REQUIRED'}
end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
redis.call('LPUSH', KEYS[4], ARGV[3])
redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[10]) - 1)
local fields = {'kind', 'alias_moved', 'version', ARGV[3], 'alias', ARGV[2], 'actor', ARGV[6], 'reason', ARGV[7], 'at_ms', ARGV[5]}
if current ~= '' then
  fields[#fields + 1] = 'previous_version'
  fields[#fields + 1] = current
end
local id = record_change(KEYS[1], KEYS[5], KEYS[6], ARGV[1], fields)
return {'OK', current, id}
`;

/**
 * Moves an alias back to the version it pointed at before its current one.
 * KEYS: meta, aliases, alias history, audit, outbox.
 * ARGV: model, alias, expected ('*' = any, else a version), at ms, actor, reason.
 */
const ROLL_BACK_ALIAS = `${RECORD_CHANGE}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'MODEL_NOT_FOUND'} end
local current = redis.call('HGET', KEYS[2], ARGV[2]) or ''
if ARGV[3] ~= '*' and current ~= ARGV[3] then return {'CONFLICT', current} end
local previous = redis.call('LINDEX', KEYS[3], 1)
if current == '' or not previous then return {'NOTHING_TO_ROLL_BACK'} end
redis.call('LPOP', KEYS[3])
redis.call('HSET', KEYS[2], ARGV[2], previous)
local id = record_change(KEYS[1], KEYS[4], KEYS[5], ARGV[1],
  {'kind', 'rolled_back', 'version', previous, 'alias', ARGV[2], 'previous_version', current,
   'actor', ARGV[5], 'reason', ARGV[6], 'at_ms', ARGV[4]})
return {'OK', previous, current, id}
`;

/**
 * Removes an alias (compare-and-set) and the history a rollback would follow.
 * KEYS: meta, aliases, alias history, audit, outbox.
 * ARGV: model, alias, expected ('*' = any, '' = unset, else a version), at ms, actor, reason.
 */
const DELETE_ALIAS = `${RECORD_CHANGE}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'MODEL_NOT_FOUND'} end
local current = redis.call('HGET', KEYS[2], ARGV[2])
if not current then return {'ALIAS_NOT_SET'} end
if ARGV[3] ~= '*' and current ~= ARGV[3] then return {'CONFLICT', current} end
redis.call('HDEL', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[3])
local id = record_change(KEYS[1], KEYS[4], KEYS[5], ARGV[1],
  {'kind', 'alias_deleted', 'alias', ARGV[2], 'previous_version', current, 'actor', ARGV[5], 'reason', ARGV[6], 'at_ms', ARGV[4]})
return {'OK', current, id}
`;

/**
 * Records that the outbox was published up to an entry and trims what is done.
 * The cursor only moves forward, so a slow publisher cannot undo a faster one.
 * KEYS: outbox, cursor. ARGV: last published outbox entry id.
 */
const ACKNOWLEDGE_OUTBOX = `
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local current = redis.call('GET', KEYS[2])
if current then
  local current_ms, current_seq = parse(current)
  local next_ms, next_seq = parse(ARGV[1])
  if next_ms < current_ms or (next_ms == current_ms and next_seq <= current_seq) then return 0 end
end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1])
return 1
`;

const scripts = {
  tributaryRegistryRegisterVersion: { numberOfKeys: 6, lua: REGISTER_VERSION },
  tributaryRegistryApproveVersion: { numberOfKeys: 4, lua: APPROVE_VERSION },
  tributaryRegistrySetAlias: { numberOfKeys: 6, lua: SET_ALIAS },
  tributaryRegistryRollBackAlias: { numberOfKeys: 5, lua: ROLL_BACK_ALIAS },
  tributaryRegistryDeleteAlias: { numberOfKeys: 5, lua: DELETE_ALIAS },
  tributaryRegistryAcknowledgeOutbox: { numberOfKeys: 2, lua: ACKNOWLEDGE_OUTBOX },
} as const;

/** The name of one of the registry's scripts. */
export type ScriptName = keyof typeof scripts;

/** What a script answers: a status word first, then values. */
export type ScriptReply = readonly [status: string, ...values: (string | number)[]];

type ScriptCommand = (this: Redis | Cluster, ...keysAndArgs: (string | number | Buffer)[]) => Promise<unknown>;

/**
 * Runs a registry script on `redis`, defining it on that client first if
 * needed (ioredis then sends EVALSHA, falling back to EVAL once per server).
 */
export async function runScript(
  redis: Redis | Cluster,
  name: ScriptName,
  keys: readonly string[],
  args: readonly (string | number | Buffer)[],
): Promise<ScriptReply> {
  const commands = redis as unknown as Record<string, ScriptCommand | undefined>;
  let command = commands[name];
  if (!command) {
    redis.defineCommand(name, scripts[name]);
    command = commands[name] as ScriptCommand;
  }
  return (await command.call(redis, ...keys, ...args)) as ScriptReply;
}
