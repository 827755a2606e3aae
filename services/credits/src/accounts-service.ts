import {
  MedusaError,
  newId,
  newSecret,
  notFound,
  parseOrThrow,
  RegisterNodeBody,
  MINT,
  serve,
  sha256Hex,
  starterGrantKey,
  subjects,
  type AccountStore,
  type Bus,
  type LedgerStore,
  type Served,
} from "@medusa/core";

/**
 * Accounts, API keys, login tokens and nodes over the bus. Every secret handed
 * out (API key, login token, node token) is kept only as its sha256, so a copy
 * of the database lets nobody in.
 */
export interface AccountsDeps {
  store: AccountStore;
  ledger: LedgerStore;
  starterCredits: number;
  loginTtlMs: number;
  now?: () => number;
}

const WRONG_LOGIN = "email or password is wrong";
const hashPassword = (password: string) => Bun.password.hash(password, { algorithm: "argon2id" });

export function accountHandlers(bus: Bus, deps: AccountsDeps, queue: string): Served[] {
  const { store, ledger } = deps;
  const now = deps.now ?? Date.now;
  const onError = (err: unknown) => console.error("credits: accounts handler failed", err);
  // Unknown emails are verified against this hash, so they cost as much time as a wrong password.
  const dummyHash = hashPassword(newSecret("dummy"));

  /**
   * The starter grant follows the account's creation; if the process died in
   * between, the next read of the account grants it (the key makes it once).
   */
  const ensureStarterGrant = async (accountId: string) => {
    if (deps.starterCredits <= 0) return;
    await ledger.apply([{ key: starterGrantKey(accountId), reason: "grant", from: MINT, to: accountId, amount: deps.starterCredits, at: now() }]);
  };
  const readBalance = async (accountId: string) => {
    const [available, held] = await Promise.all([ledger.balance(accountId), ledger.held(accountId)]);
    return { available, held };
  };
  /** Only an account with nothing at all can be missing its grant; everyone else's read stays a read. */
  const balanceOf = async (accountId: string) => {
    const balance = await readBalance(accountId);
    if (balance.available > 0 || balance.held > 0 || deps.starterCredits <= 0) return balance;
    await ensureStarterGrant(accountId);
    return readBalance(accountId);
  };

  const requireAccount = async (id: string) => {
    const row = await store.accountById(id);
    if (!row) throw notFound("account");
    return row;
  };

  return [
    serve(
      bus,
      subjects.createAccount,
      async ({ email, password }) => {
        const id = newId("acc");
        const apiKey = newSecret("mk");
        await store.createAccount({ id, email, passwordHash: await hashPassword(password), createdAt: now() }, sha256Hex(apiKey));
        await ensureStarterGrant(id);
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

    serve(
      bus,
      subjects.verifyCredentials,
      async ({ email, secret }) => {
        const row = await store.accountByEmail(email);
        // The password check always runs, so a wrong email, password or key all take the same time.
        const passwordMatches = await Bun.password.verify(secret, row?.passwordHash ?? (await dummyHash));
        if (!row) return { accountId: null };
        if (passwordMatches) return { accountId: row.id };
        const principal = await store.principalByTokenHash(sha256Hex(secret), now());
        return { accountId: principal?.kind === "account" && principal.accountId === row.id ? row.id : null };
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
        const earned = await ledger.earnings(rows.map((n) => n.id));
        const nodes = rows.map((n) => ({
          nodeId: n.id,
          name: n.name,
          createdAt: new Date(n.createdAt).toISOString(),
          chunksDone: earned.get(n.id)?.chunks ?? 0,
          creditsEarned: earned.get(n.id)?.credits ?? 0,
        }));
        return { nodes };
      },
      { queue, onError },
    ),
  ];
}
