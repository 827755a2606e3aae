import { MongoClient, type Db } from "mongodb";

/**
 * Opens a client, builds a store over one database and creates its indexes;
 * a store that cannot get its indexes closes the client instead of leaking it.
 */
export async function connectMongo<T extends { ensureIndexes(): Promise<void> }>(url: string, dbName: string, make: (db: Db, client: MongoClient) => T): Promise<T> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  const store = make(client.db(dbName), client);
  try {
    await store.ensureIndexes();
  } catch (err) {
    await client.close();
    throw err;
  }
  return store;
}
