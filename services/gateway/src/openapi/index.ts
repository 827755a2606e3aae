import { accountOperations } from "./account-operations.ts";
import { jobOperations } from "./job-operations.ts";
import { nodeOperations } from "./node-operations.ts";
import type { Operation } from "./operation.ts";

/** Every documented route, in the order the document lists them. */
export const operations: Operation[] = [...accountOperations, ...jobOperations, ...nodeOperations];
