import type { Principal } from "../principal.ts";

/** The accounts port: accounts, API keys, login tokens and nodes. Secrets are stored hashed only. */
export interface AccountRow {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: number;
  /** When its email address was confirmed (ms), or null while it is not: an unconfirmed account gets no starter grant and pays for nothing. */
  confirmedAt: number | null;
}

export interface NodeRow {
  id: string;
  ownerId: string;
  name: string;
  createdAt: number;
}

/** A token that resolved, and until when: login tokens expire, API keys and node tokens do not (null). */
export interface VerifiedToken {
  principal: Principal;
  expiresAt: number | null;
}

export interface AccountStore {
  /**
   * Fails with `conflict` when the email is taken. `confirmHash` is the hash
   * of the token in the account's email confirmation link.
   */
  createAccount(row: AccountRow, apiKeyHash: string, confirmHash?: string): Promise<void>;
  /**
   * The account whose confirmation token hashes to `confirmHash`, confirmed
   * at `now` unless it already was (then it keeps its first confirmedAt);
   * null for a token nobody was given.
   */
  confirmAccount(confirmHash: string, now: number): Promise<AccountRow | null>;
  accountByEmail(email: string): Promise<AccountRow | null>;
  accountById(id: string): Promise<AccountRow | null>;
  addLoginToken(tokenHash: string, accountId: string, expiresAt: number): Promise<void>;
  createNode(row: NodeRow, tokenHash: string): Promise<void>;
  nodesOf(ownerId: string): Promise<NodeRow[]>;
  nodeById(id: string): Promise<NodeRow | null>;
  /** Keeps a node activation code (its hash) for `ownerId`'s node `name` until `expiresAt`. */
  addActivationCode(codeHash: string, ownerId: string, name: string, expiresAt: number): Promise<void>;
  /**
   * Spends a code: at most one caller ever gets its owner and name back, and
   * only before it expires (at `now`); every other call gets null.
   */
  takeActivationCode(codeHash: string, now: number): Promise<{ ownerId: string; name: string } | null>;
  /** Resolves a hashed API key, login token (unexpired at `now`) or node token. */
  tokenByHash(tokenHash: string, now: number): Promise<VerifiedToken | null>;
  /** `tokenByHash` without the expiry. */
  principalByTokenHash(tokenHash: string, now: number): Promise<Principal | null>;
  close(): Promise<void>;
}
