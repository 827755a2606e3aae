import {
  MedusaError,
  newId,
  newSecret,
  notFound,
  parseOrThrow,
  RegisterNodeBody,
  serve,
  sha256Hex,
  subjects,
  type AccountStore,
  type Bus,
  type Served,
} from "@medusa/core";

/**
 * Accounts, API keys, login tokens and nodes over the bus. Every secret handed
 * out (API key, login token, node token) is kept only as its sha256, so a copy
 * of the database lets nobody in.
 */
export interface AccountsDeps {
  store: AccountStore;
  starterCredits: number;
  loginTtlMs: number;
  now?: () => number;
}

export interface AccountsService {
  /** Stops answering and resolves once every request in flight has been answered. */
  close(): Promise<void>;
  /** Resolves when every subscription has ended (bus drained or `close`d). */
  done: Promise<void>;
}

const WRONG_LOGIN = "email or password is wrong";
const hashPassword = (password: string) => Bun.password.hash(password, { algorithm: "argon2id" });

export function serveAccounts(bus: Bus, deps: AccountsDeps, opts: { queue?: string } = {}): AccountsService {
  const { store } = deps;
  const now = deps.now ?? Date.now;
  const queue = opts.queue ?? "credits";
  const onError = (err: unknown) => console.error("credits: accounts handler failed", err);
  // Unknown emails are verified against this hash, so they cost as much time as a wrong password.
  const dummyHash = hashPassword(newSecret("dummy"));

  /**
   * TODO(ledger issue): balances come from the ledger; until then every account
   * holds its starter grant. Only this function changes when the ledger lands.
   */
  const balanceOf = async (_accountId: string) => ({ available: deps.starterCredits, held: 0 });
  /** TODO(ledger issue): per-node totals come from the ledger's payouts. */
  const earningsOf = async (_nodeId: string) => ({ chunksDone: 0, creditsEarned: 0 });

  const requireAccount = async (id: string) => {
    const row = await store.accountById(id);
    if (!row) throw notFound("account");
    return row;
  };

  const served: Served[] = [
    serve(
      bus,
      subjects.createAccount,
      async ({ email, password }) => {
        const id = newId("acc");
        const apiKey = newSecret("mk");
        await store.createAccount({ id, email, passwordHash: await hashPassword(password), createdAt: now() }, sha256Hex(apiKey));
        return { id, email, apiKey, credits: deps.starterCredits };
      },
      { queue, onError },
    ),

    serve(
      bus,
      subjects.login,
      async ({ email, password }) => {
        const row = await store.accountByEmail(email);
        const matches = await Bun.password.verify(password, row?.passwordHash ?? (await dummyHash));
        if (!row || !matches) throw new MedusaError("unauthorized", WRONG_LOGIN);
        const token = newSecret("lt");
        const expiresAt = now() + deps.loginTtlMs;
        await store.addLoginToken(sha256Hex(token), row.id, expiresAt);
        return { token, expiresAt: new Date(expiresAt).toISOString() };
      },
      { queue, onError },
    ),

    serve(bus, subjects.verifyToken, async ({ token }) => ({ principal: await store.principalByTokenHash(sha256Hex(token), now()) }), { queue, onError }),

    serve(
      bus,
      subjects.getAccount,
      async ({ accountId }) => {
        const row = await requireAccount(accountId);
        return { id: row.id, email: row.email, credits: await balanceOf(row.id) };
      },
      { queue, onError },
    ),

    serve(
      bus,
      subjects.registerNode,
      async ({ ownerId, name }) => {
        const body = parseOrThrow(RegisterNodeBody, { name });
        await requireAccount(ownerId);
        const nodeId = newId("node");
        const nodeToken = newSecret("nt");
        await store.createNode({ id: nodeId, ownerId, name: body.name, createdAt: now() }, sha256Hex(nodeToken));
        return { nodeId, nodeToken };
      },
      { queue, onError },
    ),

    serve(
      bus,
      subjects.listNodes,
      async ({ ownerId }) => {
        const rows = await store.nodesOf(ownerId);
        const nodes = await Promise.all(
          rows.map(async (n) => ({ nodeId: n.id, name: n.name, createdAt: new Date(n.createdAt).toISOString(), ...(await earningsOf(n.id)) })),
        );
        return { nodes };
      },
      { queue, onError },
    ),
  ];

  const done = Promise.all(served.map((s) => s.done)).then(() => undefined);
  return {
    done,
    async close() {
      for (const s of served) s.subscription.unsubscribe();
      await done;
    },
  };
}
