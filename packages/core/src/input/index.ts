/** The input module: what an input is, how big it may be, and how it becomes items and chunks. */
export * from "./account-files.ts";
export * from "./binary-items.ts";
export * from "./chunk-input.ts";
export * from "./chunk-items.ts";
export * from "./file-formats.ts";
export * from "./inputs.ts";
export * from "./job-input.ts";
export * from "./range-input.ts";
