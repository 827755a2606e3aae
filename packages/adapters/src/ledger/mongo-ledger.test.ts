import { afterAll, describe } from "bun:test";
import { MongoClient } from "mongodb";
import { mongoAvailable, testPrefix, TEST_MONGO_URL } from "../testing/servers.ts";
import { ledgerStoreContract } from "./ledger.contract.ts";
import { MongoLedgerStore } from "./mongo-ledger.ts";

/** Needs a replica set (transactions): e.g. `mongod --replSet rs0` after `rs.initiate()`. */
describe.skipIf(!mongoAvailable())("MongoLedgerStore", () => {
  const url = TEST_MONGO_URL!;
  const dbNames: string[] = [];

  ledgerStoreContract("mongo", async () => {
    const dbName = testPrefix("ledger");
    dbNames.push(dbName);
    return MongoLedgerStore.connect(url, dbName);
  });

  afterAll(async () => {
    const client = await MongoClient.connect(url);
    try {
      for (const name of dbNames) await client.db(name).dropDatabase();
    } finally {
      await client.close();
    }
  });
});
