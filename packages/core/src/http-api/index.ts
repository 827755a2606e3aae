import { accountOperations } from "./accounts.ts";
import { jobOperations } from "./jobs.ts";
import { nodeOperations } from "./nodes.ts";

export * from "./operation.ts";
export * from "./queries.ts";

/**
 * Every route of the public API, by name: the gateway's OpenAPI document is
 * built from it and the typed client (`@medusa/client`) calls through it.
 */
export const apiOperations = { ...accountOperations, ...jobOperations, ...nodeOperations };
export type ApiOperations = typeof apiOperations;
export type OperationName = keyof ApiOperations;
