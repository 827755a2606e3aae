import { describe } from "bun:test";
import { mongoTestDatabases } from "../testing/mongo-databases.ts";
import { mongoAvailable } from "../testing/servers.ts";
import { ledgerStoreContract } from "./ledger.contract.ts";
import { MongoLedgerStore } from "./mongo-ledger.ts";

/** Needs a replica set (transactions): e.g. `mongod --replSet rs0` after `rs.initiate()`. */
describe.skipIf(!mongoAvailable())("MongoLedgerStore", () => {
  ledgerStoreContract("mongo", mongoTestDatabases("ledger", (url, dbName) => MongoLedgerStore.connect(url, dbName)));
});
