import { Database } from "bun:sqlite";
import { NodePresence, type PresenceStore } from "@medusa/core";

/** Presence in SQLite (the embedded stack, or one scheduler host): one row per node, one per gateway URL. */
export class SqlitePresenceStore implements PresenceStore {
  private readonly db: Database;

  constructor(path: string) {
    this.db = new Database(path, { create: true });
    this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec("PRAGMA busy_timeout = 5000");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS presence (node_id TEXT PRIMARY KEY, connection TEXT NOT NULL, expires_at INTEGER NOT NULL, record TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS presence_expiry ON presence (expires_at);
      CREATE TABLE IF NOT EXISTS presence_gateways (url TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
    `);
  }

  async heartbeat(nodes: NodePresence[], expiresAt: number, gatewayUrl?: string): Promise<void> {
    const upsert = this.db.prepare("INSERT INTO presence (node_id, connection, expires_at, record) VALUES (?, ?, ?, ?) ON CONFLICT (node_id) DO UPDATE SET connection = excluded.connection, expires_at = excluded.expires_at, record = excluded.record");
    this.db.transaction(() => {
      for (const n of nodes) upsert.run(n.nodeId, n.connection, expiresAt, JSON.stringify(n));
      if (gatewayUrl) this.db.prepare("INSERT INTO presence_gateways (url, expires_at) VALUES (?, ?) ON CONFLICT (url) DO UPDATE SET expires_at = excluded.expires_at").run(gatewayUrl, expiresAt);
    })();
  }

  async leave(nodeId: string, connection: string): Promise<void> {
    this.db.prepare("DELETE FROM presence WHERE node_id = ? AND connection = ?").run(nodeId, connection);
  }

  async get(nodeIds: string[], now: number): Promise<Record<string, NodePresence>> {
    const live: Record<string, NodePresence> = {};
    const one = this.db.prepare<{ record: string }, [string, number]>("SELECT record FROM presence WHERE node_id = ? AND expires_at >= ?");
    for (const id of nodeIds) {
      const row = one.get(id, now);
      if (row) live[id] = NodePresence.parse(JSON.parse(row.record));
    }
    return live;
  }

  async expire(now: number, max: number): Promise<NodePresence[]> {
    return this.db.transaction(() => {
      const rows = this.db.prepare<{ node_id: string; record: string }, [number, number]>("SELECT node_id, record FROM presence WHERE expires_at < ? ORDER BY expires_at LIMIT ?").all(now, max);
      const drop = this.db.prepare("DELETE FROM presence WHERE node_id = ?");
      for (const row of rows) drop.run(row.node_id);
      this.db.prepare("DELETE FROM presence_gateways WHERE expires_at < ?").run(now);
      return rows.map((row) => NodePresence.parse(JSON.parse(row.record)));
    })();
  }

  async gatewayUrls(now: number): Promise<string[]> {
    return this.db.prepare<{ url: string }, [number]>("SELECT url FROM presence_gateways WHERE expires_at >= ? ORDER BY url").all(now).map((r) => r.url);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
