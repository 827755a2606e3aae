import { MongoClient, type Collection, type Db } from "mongodb";
import { connectMongo } from "../mongo-connect.ts";
import { MedusaError, type AccountRow, type AccountStore, type NodeRow, type Principal, type VerifiedToken } from "@medusa/core";
import { normalizeEmail } from "./normalize-email.ts";

/**
 * Accounts in MongoDB (the distributed deployment). Three collections:
 * `accounts` (unique email), `nodes`, and `tokens`, where API keys, login
 * tokens and node tokens live side by side under their sha256 `hash`.
 */
interface AccountDoc {
  _id: string;
  email: string;
  passwordHash: string;
  createdAt: number;
  /** Absent on accounts made before confirmation existed: they had their grant at sign-up, and count as confirmed then. */
  confirmedAt?: number | null;
  /** The sha256 of the token in its confirmation link. */
  confirmHash?: string;
}
interface NodeDoc {
  _id: string;
  ownerId: string;
  name: string;
  createdAt: number;
}
type TokenDoc =
  | { hash: string; kind: "apiKey"; accountId: string; expiresAt: null }
  | { hash: string; kind: "login"; accountId: string; expiresAt: number }
  | { hash: string; kind: "node"; nodeId: string; ownerId: string; expiresAt: null };

interface ActivationDoc {
  _id: string;
  ownerId: string;
  name: string;
  expiresAt: Date;
}

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (err: unknown) => (err as { code?: unknown } | null)?.code === DUPLICATE_KEY;

export class MongoAccountStore implements AccountStore {
  private readonly accounts: Collection<AccountDoc>;
  private readonly nodes: Collection<NodeDoc>;
  private readonly tokens: Collection<TokenDoc>;
  private readonly activations: Collection<ActivationDoc>;

  /** Prefer `connect`; this takes an open database and a client it will close (or none). */
  constructor(
    db: Db,
    private readonly client?: MongoClient,
  ) {
    this.accounts = db.collection<AccountDoc>("accounts");
    this.nodes = db.collection<NodeDoc>("nodes");
    this.tokens = db.collection<TokenDoc>("tokens");
    this.activations = db.collection<ActivationDoc>("activation_codes");
  }

  static connect(url: string, dbName: string): Promise<MongoAccountStore> {
    return connectMongo(url, dbName, (db, client) => new MongoAccountStore(db, client));
  }

  async ensureIndexes(): Promise<void> {
    await Promise.all([
      this.accounts.createIndex({ email: 1 }, { unique: true, name: "email_unique" }),
      this.tokens.createIndex({ hash: 1 }, { unique: true, name: "hash_unique" }),
      this.accounts.createIndex({ confirmHash: 1 }, { unique: true, sparse: true, name: "confirm_hash_unique" }),
      this.nodes.createIndex({ ownerId: 1, createdAt: 1 }, { name: "by_owner" }),
      // Mongo's TTL monitor removes expired codes (within a minute or so); takeActivationCode checks the time itself.
      this.activations.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: "expire" }),
    ]);
  }

  async createAccount(row: AccountRow, apiKeyHash: string, confirmHash?: string): Promise<void> {
    try {
      const doc = { _id: row.id, email: normalizeEmail(row.email), passwordHash: row.passwordHash, createdAt: row.createdAt, confirmedAt: row.confirmedAt };
      await this.accounts.insertOne(confirmHash ? { ...doc, confirmHash } : doc);
    } catch (err) {
      if (isDuplicateKey(err)) throw new MedusaError("conflict", "email is already registered");
      throw err;
    }
    // No multi-document transaction (it would need a replica set): undo the account if its key cannot be stored.
    try {
      await this.tokens.insertOne({ hash: apiKeyHash, kind: "apiKey", accountId: row.id, expiresAt: null });
    } catch (err) {
      await this.accounts.deleteOne({ _id: row.id });
      throw err;
    }
  }

  async accountByEmail(email: string): Promise<AccountRow | null> {
    const doc = await this.accounts.findOne({ email: normalizeEmail(email) });
    return doc ? toAccount(doc) : null;
  }

  async accountById(id: string): Promise<AccountRow | null> {
    const doc = await this.accounts.findOne({ _id: id });
    return doc ? toAccount(doc) : null;
  }

  /** One update on one document: the first confirmation's time stays. */
  async confirmAccount(confirmHash: string, now: number): Promise<AccountRow | null> {
    const doc = await this.accounts.findOneAndUpdate({ confirmHash }, [{ $set: { confirmedAt: { $ifNull: ["$confirmedAt", now] } } }], { returnDocument: "after" });
    return doc ? toAccount(doc) : null;
  }

  async addLoginToken(tokenHash: string, accountId: string, expiresAt: number): Promise<void> {
    await this.tokens.insertOne({ hash: tokenHash, kind: "login", accountId, expiresAt });
  }

  async createNode(row: NodeRow, tokenHash: string): Promise<void> {
    await this.nodes.insertOne({ _id: row.id, ownerId: row.ownerId, name: row.name, createdAt: row.createdAt });
    try {
      await this.tokens.insertOne({ hash: tokenHash, kind: "node", nodeId: row.id, ownerId: row.ownerId, expiresAt: null });
    } catch (err) {
      await this.nodes.deleteOne({ _id: row.id });
      throw err;
    }
  }

  async nodesOf(ownerId: string): Promise<NodeRow[]> {
    const docs = await this.nodes.find({ ownerId }).sort({ createdAt: 1, _id: 1 }).toArray();
    return docs.map((d) => ({ id: d._id, ownerId: d.ownerId, name: d.name, createdAt: d.createdAt }));
  }

  async nodeById(id: string): Promise<NodeRow | null> {
    const d = await this.nodes.findOne({ _id: id });
    return d ? { id: d._id, ownerId: d.ownerId, name: d.name, createdAt: d.createdAt } : null;
  }

  async addActivationCode(codeHash: string, ownerId: string, name: string, expiresAt: number): Promise<void> {
    await this.activations.insertOne({ _id: codeHash, ownerId, name, expiresAt: new Date(expiresAt) });
  }

  /** findOneAndDelete is atomic on one document: the code goes with the first caller. */
  async takeActivationCode(codeHash: string, now: number): Promise<{ ownerId: string; name: string } | null> {
    const doc = await this.activations.findOneAndDelete({ _id: codeHash });
    return doc && doc.expiresAt.getTime() > now ? { ownerId: doc.ownerId, name: doc.name } : null;
  }

  async tokenByHash(tokenHash: string, now: number): Promise<VerifiedToken | null> {
    const t = await this.tokens.findOne({ hash: tokenHash });
    if (!t) return null;
    if (t.expiresAt !== null && t.expiresAt <= now) return null;
    const principal: Principal = t.kind === "node" ? { kind: "node", nodeId: t.nodeId, ownerId: t.ownerId } : { kind: "account", accountId: t.accountId };
    return { principal, expiresAt: t.expiresAt };
  }

  async principalByTokenHash(tokenHash: string, now: number): Promise<Principal | null> {
    return (await this.tokenByHash(tokenHash, now))?.principal ?? null;
  }

  async close(): Promise<void> {
    await this.client?.close();
  }
}

const toAccount = (d: AccountDoc): AccountRow => ({ id: d._id, email: d.email, passwordHash: d.passwordHash, createdAt: d.createdAt, confirmedAt: d.confirmedAt === undefined ? d.createdAt : d.confirmedAt });
