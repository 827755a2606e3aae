import { describe } from "bun:test";
import { mongoTestDatabases } from "@medusa/testing/mongo-databases";
import { mongoAvailable } from "@medusa/testing/servers";
import { accountStoreContract } from "./accounts.contract.ts";
import { MongoAccountStore } from "./mongo-accounts.ts";

describe.skipIf(!mongoAvailable())("MongoAccountStore", () => {
  accountStoreContract("mongo", mongoTestDatabases("accounts", (url, dbName) => MongoAccountStore.connect(url, dbName)));
});
