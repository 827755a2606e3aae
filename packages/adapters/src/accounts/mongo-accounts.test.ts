import { afterAll, describe } from "bun:test";
import { MongoClient } from "mongodb";
import { mongoAvailable, testPrefix, TEST_MONGO_URL } from "../testing/servers.ts";
import { accountStoreContract } from "./accounts.contract.ts";
import { MongoAccountStore } from "./mongo-accounts.ts";

describe.skipIf(!mongoAvailable())("MongoAccountStore", () => {
  const url = TEST_MONGO_URL!;
  const dbNames: string[] = [];

  accountStoreContract("mongo", async () => {
    const dbName = testPrefix("accounts");
    dbNames.push(dbName);
    return MongoAccountStore.connect(url, dbName);
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
