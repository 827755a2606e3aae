import { MongoClient, type ClientSession, type Collection, type Db } from "mongodb";
import { connectMongo } from "../mongo-connect.ts";
import { assertAmount, escrowAccount, holdKey, isEscrow, MINT, type ApplyOutcome, type LedgerStore, type LedgerTotals, type NewEntry, type NodeEarnings, type OpenEscrowsPage, type StoredEntry } from "@medusa/core";

/**
 * The ledger in MongoDB (the distributed deployment), with multi-document
 * transactions, so it needs a replica set (compose.yaml runs a one-member
 * set). Why not single-document conditional updates: an entry changes three
 * documents (the entry and two balances, plus a node total); without a
 * transaction that needs a hand-written two-phase commit whose recovery path
 * runs only after a crash — the code least likely to be right. A transaction
 * makes "entry and balances together or not at all" the database's job, and
 * `withTransaction` retries transient conflicts between concurrent settlers.
 */
interface EntryDoc {
  _id: number;
  key: string;
  reason: NewEntry["reason"];
  from: string;
  to: string;
  fromOwner: string | null;
  toOwner: string | null;
  amount: number;
  jobId?: string;
  nodeId?: string;
  at: number;
}
interface BalanceDoc {
  _id: string;
  owner: string | null;
  amount: number;
}
interface NodeTotalDoc {
  _id: string;
  chunks: number;
  credits: number;
}
interface CounterDoc {
  _id: string;
  seq: number;
}

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (err: unknown) => (err as { code?: unknown } | null)?.code === DUPLICATE_KEY;

export class MongoLedgerStore implements LedgerStore {
  private readonly entries: Collection<EntryDoc>;
  private readonly balances: Collection<BalanceDoc>;
  private readonly nodeTotals: Collection<NodeTotalDoc>;
  private readonly counters: Collection<CounterDoc>;

  constructor(
    db: Db,
    private readonly client: MongoClient,
    private readonly ownsClient = true,
  ) {
    this.entries = db.collection<EntryDoc>("ledger_entries");
    this.balances = db.collection<BalanceDoc>("ledger_balances");
    this.nodeTotals = db.collection<NodeTotalDoc>("ledger_node_totals");
    this.counters = db.collection<CounterDoc>("ledger_counters");
  }

  static connect(url: string, dbName: string): Promise<MongoLedgerStore> {
    return connectMongo(url, dbName, (db, client) => new MongoLedgerStore(db, client));
  }

  async ensureIndexes(): Promise<void> {
    await this.entries.createIndex({ key: 1 }, { unique: true });
    await this.entries.createIndex({ fromOwner: 1, _id: -1 });
    await this.entries.createIndex({ toOwner: 1, _id: -1 });
    await this.balances.createIndex({ owner: 1 });
  }

  async apply(entries: NewEntry[]): Promise<ApplyOutcome[]> {
    const outcomes: ApplyOutcome[] = [];
    // One transaction per entry: a batch shares the connection, not its fate,
    // and a short transaction keeps write conflicts between settlers rare.
    for (const entry of entries) outcomes.push(await this.applyOne(entry));
    return outcomes;
  }

  private async applyOne(e: NewEntry): Promise<ApplyOutcome> {
    assertAmount(e);
    const session = this.client.startSession();
    try {
      let outcome: ApplyOutcome = "applied";
      await session.withTransaction(async () => {
        outcome = await this.applyIn(session, e);
        if (outcome !== "applied") await session.abortTransaction();
      });
      return outcome;
    } catch (err) {
      // Two settlers raced on one key: the loser's insert hit the unique index.
      if (isDuplicateKey(err)) return "duplicate";
      throw err;
    } finally {
      await session.endSession();
    }
  }

  private async applyIn(session: ClientSession, e: NewEntry): Promise<ApplyOutcome> {
    if (await this.entries.findOne({ key: e.key }, { session, projection: { _id: 1 } })) return "duplicate";
    const from = await this.balances.findOne({ _id: e.from }, { session });
    if (e.from !== MINT && (from?.amount ?? 0) < e.amount) return "insufficient";
    const ownerOf = async (account: string, known: BalanceDoc | null): Promise<string | null> => {
      if (account === MINT) return null;
      if (!isEscrow(account)) return account;
      const row = known ?? (await this.balances.findOne({ _id: account }, { session }));
      return row?.owner ?? (e.reason === "hold" ? e.from : null);
    };
    const fromOwner = await ownerOf(e.from, from);
    const toOwner = await ownerOf(e.to, null);
    const counter = await this.counters.findOneAndUpdate({ _id: "entries" }, { $inc: { seq: 1 } }, { session, upsert: true, returnDocument: "after" });
    await this.entries.insertOne(
      {
        _id: counter!.seq,
        key: e.key,
        reason: e.reason,
        from: e.from,
        to: e.to,
        fromOwner,
        toOwner,
        amount: e.amount,
        at: e.at,
        ...(e.jobId ? { jobId: e.jobId } : {}),
        ...(e.nodeId ? { nodeId: e.nodeId } : {}),
      },
      { session },
    );
    await this.balances.updateOne({ _id: e.from }, { $inc: { amount: -e.amount }, $setOnInsert: { owner: fromOwner } }, { session, upsert: true });
    await this.balances.updateOne({ _id: e.to }, { $inc: { amount: e.amount }, $setOnInsert: { owner: toOwner } }, { session, upsert: true });
    if (e.reason === "payout" && e.nodeId) {
      await this.nodeTotals.updateOne({ _id: e.nodeId }, { $inc: { chunks: 1, credits: e.amount } }, { session, upsert: true });
    }
    return "applied";
  }

  async balance(account: string): Promise<number> {
    return (await this.balances.findOne({ _id: account }))?.amount ?? 0;
  }

  async held(owner: string): Promise<number> {
    const [row] = await this.balances
      .aggregate<{ held: number }>([{ $match: { owner, _id: { $regex: "^escrow:" } } }, { $group: { _id: null, held: { $sum: "$amount" } } }])
      .toArray();
    return row?.held ?? 0;
  }

  async entriesOf(owner: string, opts: { before?: number; limit: number }): Promise<StoredEntry[]> {
    const docs = await this.entries
      .find({ $or: [{ fromOwner: owner }, { toOwner: owner }], ...(opts.before === undefined ? {} : { _id: { $lt: opts.before } }) })
      .sort({ _id: -1 })
      .limit(opts.limit)
      .toArray();
    return docs.map((d) => ({
      seq: d._id,
      key: d.key,
      reason: d.reason,
      from: d.from,
      to: d.to,
      amount: d.amount,
      at: d.at,
      ...(d.jobId ? { jobId: d.jobId } : {}),
      ...(d.nodeId ? { nodeId: d.nodeId } : {}),
    }));
  }

  async earnings(nodeIds: string[]): Promise<Map<string, NodeEarnings>> {
    const docs = await this.nodeTotals.find({ _id: { $in: nodeIds } }).toArray();
    return new Map(docs.map((d) => [d._id, { chunks: d.chunks, credits: d.credits }]));
  }

  async totals(): Promise<LedgerTotals> {
    const totals: LedgerTotals = { granted: 0, accounts: 0, escrow: 0 };
    for await (const b of this.balances.find({})) {
      if (b._id === MINT) totals.granted = -b.amount;
      else if (isEscrow(b._id)) totals.escrow += b.amount;
      else totals.accounts += b.amount;
    }
    return totals;
  }

  async openEscrows(opts: { heldBefore: number; after?: string; limit: number }): Promise<OpenEscrowsPage> {
    const scanned = await this.balances
      .find({ _id: { $gt: escrowAccount(opts.after ?? ""), $lt: escrowAccount("\uffff") } })
      .sort({ _id: 1 })
      .limit(opts.limit)
      .toArray();
    const jobIdOf = (account: string) => account.slice(escrowAccount("").length);
    const holds = await this.entries
      .find({ key: { $in: scanned.map((b) => holdKey(jobIdOf(b._id))) } }, { projection: { key: 1, at: 1 } })
      .toArray();
    const heldAt = new Map(holds.map((h) => [h.key, h.at]));
    const escrows = scanned.flatMap((b) => {
      const jobId = jobIdOf(b._id);
      const at = heldAt.get(holdKey(jobId));
      return b.amount > 0 && b.owner && at !== undefined && at < opts.heldBefore ? [{ jobId, owner: b.owner, amount: b.amount, heldAt: at }] : [];
    });
    const last = scanned.at(-1);
    return { escrows, next: scanned.length === opts.limit && last ? jobIdOf(last._id) : null };
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }
}
