export { ApiError } from "./api-error.ts";
export { MedusaClient } from "./client.ts";
export { operationUrl, type CallArgs, type Reply } from "./operations.ts";
export { isChunkError, jsonLines, type ChunkErrorLine } from "./results.ts";
export { SessionSocket } from "./session-socket.ts";
export type { UploadOptions } from "./upload.ts";
