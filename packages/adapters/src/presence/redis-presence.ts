import type Redis from "ioredis";
import { NodePresence, type PresenceStore } from "@medusa/core";

/**
 * Presence in Redis: a sorted set of node ids by expiry, a hash of their
 * records, and a sorted set of gateway URLs by expiry, under `<prefix>:presence:`.
 * Leaving and expiring are scripts, so a check and its removal are one step
 * (two schedulers never both take out the same expired node).
 */
const LEAVE = `
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if raw and cjson.decode(raw).connection == ARGV[2] then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0`;

const EXPIRE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  local raw = redis.call('HGET', KEYS[2], id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  if raw then table.insert(out, raw) end
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[1])
return out`;

export class RedisPresenceStore implements PresenceStore {
  private readonly expires: string;
  private readonly nodes: string;
  private readonly gateways: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.expires = `${prefix}:presence:expires`;
    this.nodes = `${prefix}:presence:nodes`;
    this.gateways = `${prefix}:presence:gateways`;
  }

  async heartbeat(nodes: NodePresence[], expiresAt: number, gatewayUrl?: string): Promise<void> {
    const tx = this.redis.multi();
    if (nodes.length > 0) {
      tx.zadd(this.expires, ...nodes.flatMap((n) => [expiresAt, n.nodeId]));
      tx.hset(this.nodes, Object.fromEntries(nodes.map((n) => [n.nodeId, JSON.stringify(n)])));
    }
    if (gatewayUrl) tx.zadd(this.gateways, expiresAt, gatewayUrl);
    await tx.exec();
  }

  async leave(nodeId: string, connection: string): Promise<void> {
    await this.redis.eval(LEAVE, 2, this.expires, this.nodes, nodeId, connection);
  }

  async get(nodeIds: string[], now: number): Promise<Record<string, NodePresence>> {
    if (nodeIds.length === 0) return {};
    const [records, scores] = await Promise.all([this.redis.hmget(this.nodes, ...nodeIds), this.redis.zmscore(this.expires, ...nodeIds)]);
    const live: Record<string, NodePresence> = {};
    nodeIds.forEach((id, i) => {
      const raw = records[i];
      if (raw && Number(scores[i]) >= now) live[id] = NodePresence.parse(JSON.parse(raw));
    });
    return live;
  }

  async expire(now: number, max: number): Promise<NodePresence[]> {
    const raw = (await this.redis.eval(EXPIRE, 3, this.expires, this.nodes, this.gateways, now, max)) as string[];
    return raw.map((r) => NodePresence.parse(JSON.parse(r)));
  }

  async gatewayUrls(now: number): Promise<string[]> {
    return (await this.redis.zrangebyscore(this.gateways, now, "+inf")).sort();
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
