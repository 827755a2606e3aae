import {
  ACTIVATION_TTL_MS,
  logServeError,
  MedusaError,
  MINT,
  newActivationCode,
  normalizeActivationCode,
  newId,
  newSecret,
  notFound,
  parseOrThrow,
  RegisterNodeBody,
  serve,
  sha256Hex,
  starterGrantKey,
  subjects,
  type AccountStore,
  type Bus,
  type LedgerStore,
  type Logger,
  type Served,
  type AccountRow,
} from "@medusa/core";
import { newConfirmationToken, sendConfirmation, type Confirmation } from "./confirmation.ts";

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
  /** Email confirmation before the grant; absent, accounts are confirmed at sign-up (main.ts and the stack pass MEDUSA_CONFIRM_EMAIL's choice). */
  confirmation?: Confirmation;
  now?: () => number;
}

const WRONG_LOGIN = "email or password is wrong";
const hashPassword = (password: string) => Bun.password.hash(password, { algorithm: "argon2id" });

export function accountHandlers(bus: Bus, deps: AccountsDeps, queue: string, log: Logger): Served[] {
  const { store, ledger } = deps;
  const now = deps.now ?? Date.now;
  const onError = logServeError(log);
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
  /** Only a confirmed account with nothing at all can be missing its grant; everyone else's read stays a read. */
  const balanceOf = async (row: AccountRow) => {
    const balance = await readBalance(row.id);
    if (balance.available > 0 || balance.held > 0 || deps.starterCredits <= 0 || row.confirmedAt === null) return balance;
    await ensureStarterGrant(row.id);
    return readBalance(row.id);
  };
  const accountView = async (row: AccountRow) => ({ id: row.id, email: row.email, confirmed: row.confirmedAt !== null, credits: await balanceOf(row) });

  const requireAccount = async (id: string) => {
    const row = await store.accountById(id);
    if (!row) throw notFound("account");
    return row;
  };
  const registerNode = async (ownerId: string, name: string) => {
    const nodeId = newId("node");
    const nodeToken = newSecret("nt");
    await store.createNode({ id: nodeId, ownerId, name, createdAt: now() }, sha256Hex(nodeToken));
    return { nodeId, nodeToken };
  };
  const badCode = (message: string) => new MedusaError("invalid_field", message, { issues: [{ field: "code", message }] });

  return [
    serve(
      bus,
      subjects.createAccount,
      async ({ email, password }) => {
        const id = newId("acc");
        const apiKey = newSecret("mk");
        const row = { id, email, passwordHash: await hashPassword(password), createdAt: now() };
        if (!deps.confirmation?.required) {
          await store.createAccount({ ...row, confirmedAt: row.createdAt }, sha256Hex(apiKey));
          await ensureStarterGrant(id);
          return { id, email, apiKey, credits: deps.starterCredits, confirmed: true };
        }
        const confirm = newConfirmationToken();
        await store.createAccount({ ...row, confirmedAt: null }, sha256Hex(apiKey), confirm.hash);
        await sendConfirmation(deps.confirmation, email, confirm.token, log);
        return { id, email, apiKey, credits: 0, confirmed: false };
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

    serve(
      bus,
      subjects.verifyToken,
      async ({ token }) => {
        const verified = await store.tokenByHash(sha256Hex(token), now());
        return verified ? { principal: verified.principal, expiresAt: verified.expiresAt } : { principal: null };
      },
      { queue, onError },
    ),

    serve(
      bus,
      subjects.getAccount,
      async ({ accountId }) => {
        return accountView(await requireAccount(accountId));
      },
      { queue, onError },
    ),

    serve(
      bus,
      subjects.confirmAccount,
      async ({ token }) => {
        const row = await store.confirmAccount(sha256Hex(token), now());
        if (!row) throw new MedusaError("not_found", "this confirmation link is unknown: open the link from your sign-up email as it is");
        // The grant's ledger key makes a second confirmation, or a retry after a crash, grant nothing more.
        await ensureStarterGrant(row.id);
        return accountView(row);
      },
      { queue, onError },
    ),

    serve(
      bus,
      subjects.registerNode,
      async ({ ownerId, name }) => {
        const body = parseOrThrow(RegisterNodeBody, { name });
        await requireAccount(ownerId);
        return registerNode(ownerId, body.name);
      },
      { queue, onError },
    ),

    serve(
      bus,
      subjects.createNodeActivation,
      async ({ ownerId, name }) => {
        const body = parseOrThrow(RegisterNodeBody, { name });
        await requireAccount(ownerId);
        const code = newActivationCode();
        const expiresAt = now() + ACTIVATION_TTL_MS;
        await store.addActivationCode(sha256Hex(normalizeActivationCode(code)!), ownerId, body.name, expiresAt);
        return { code, name: body.name, expiresAt: new Date(expiresAt).toISOString() };
      },
      { queue, onError },
    ),

    serve(
      bus,
      subjects.activateNode,
      async ({ code }) => {
        const normalized = normalizeActivationCode(code);
        if (!normalized) throw badCode("code must be 10 letters and digits, like ABCDE-FGHJK");
        // Spent before the node exists: should the process die in between, the code is gone and no node made (ask for a new code), never two nodes.
        const taken = await store.takeActivationCode(sha256Hex(normalized), now());
        if (!taken) throw badCode("code is unknown, already used or expired (codes last 15 minutes): add the node again on the site for a new one");
        return { ...(await registerNode(taken.ownerId, taken.name)), name: taken.name };
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
