/**
 * How big an input may be, in one place: what a request may carry, what a
 * reader holds in memory at once, and where a chunk's items are kept.
 */

/** Items in one `{"range": …}` input. */
export const MAX_RANGE_ITEMS = 1_000_000_000;
/** Items in one `{"items": […]}` input (they arrive in the request body). */
export const MAX_INLINE_ITEMS = 1_000_000;
/** One line, or one element of a JSON array, is held whole while it is parsed; a file with no newline at all must not be read into memory. */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;
/** Chunks whose JSON is smaller than this travel inside the chunk record; bigger ones go to the blob store. */
export const DEFAULT_INLINE_MAX_BYTES = 256 * 1024;
/** A path among an account's files. */
export const MAX_PATH_CHARS = 512;
/** The blob store's limit on one folder or file name. */
export const MAX_SEGMENT_BYTES = 200;
/** A session keeps its whole input in the gateway's memory (it is sent again when a partition moves). */
export const MAX_SESSION_ITEMS = 5_000_000;
export const MAX_SESSION_FILE_BYTES = 256 * 1024 * 1024;
