import { afterAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ledgerStoreContract } from "./ledger.contract.ts";
import { SqliteLedgerStore } from "./sqlite-ledger.ts";

const dir = mkdtempSync(join(tmpdir(), "medusa-ledger-"));
let n = 0;
ledgerStoreContract("sqlite", async () => new SqliteLedgerStore(join(dir, `ledger-${n++}.sqlite`)));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
