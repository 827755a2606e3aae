import { afterAll } from "bun:test";
import { MongoClient } from "mongodb";
import { testPrefix, TEST_MONGO_URL } from "./servers.ts";

/**
 * Fresh databases on the test MongoDB, one per store a contract makes, all
 * dropped after the suite. Call inside a describe that is skipped without
 * MEDUSA_MONGO_URL (`mongoAvailable()`).
 */
export function mongoTestDatabases<T>(what: string, connect: (url: string, dbName: string) => Promise<T>): () => Promise<T> {
  const url = TEST_MONGO_URL!;
  const dbNames: string[] = [];
  afterAll(async () => {
    const client = await MongoClient.connect(url);
    try {
      for (const name of dbNames) await client.db(name).dropDatabase();
    } finally {
      await client.close();
    }
  });
  return () => {
    const dbName = testPrefix(what);
    dbNames.push(dbName);
    return connect(url, dbName);
  };
}
