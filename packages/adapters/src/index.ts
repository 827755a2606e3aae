export * from "./connect.ts";
export { MongoAccountStore } from "./accounts/mongo-accounts.ts";
export { SqliteAccountStore } from "./accounts/sqlite-accounts.ts";
export { FolderBlobStore } from "./blobs/folder-blobs.ts";
export { MemoryBus } from "./bus/memory-bus.ts";
export { NatsBus } from "./bus/nats-bus.ts";
export { RedisChunkStore } from "./chunks/redis-chunk-store.ts";
export { SqliteChunkStore } from "./chunks/sqlite-chunk-store.ts";
