import { describe } from "bun:test";
import { mongoTestDatabases } from "@medusa/testing/mongo-databases";
import { mongoAvailable } from "@medusa/testing/servers";
import { ledgerStoreContract } from "./ledger.contract.ts";
import { MongoLedgerStore } from "./mongo-ledger.ts";

/** Needs a replica set (transactions): e.g. `mongod --replSet rs0` after `rs.initiate()`. */
describe.skipIf(!mongoAvailable())("MongoLedgerStore", () => {
  ledgerStoreContract("mongo", mongoTestDatabases("ledger", (url, dbName) => MongoLedgerStore.connect(url, dbName)));
});
