import { describe } from "bun:test";
import { mongoTestDatabases } from "../testing/mongo-databases.ts";
import { mongoAvailable } from "../testing/servers.ts";
import { accountStoreContract } from "./accounts.contract.ts";
import { MongoAccountStore } from "./mongo-accounts.ts";

describe.skipIf(!mongoAvailable())("MongoAccountStore", () => {
  accountStoreContract("mongo", mongoTestDatabases("accounts", (url, dbName) => MongoAccountStore.connect(url, dbName)));
});
