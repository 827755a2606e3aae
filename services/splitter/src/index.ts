export { serveSplitter, type Splitter, type SplitterDeps } from "./splitter-service.ts";
export { splitRange } from "./split-range.ts";
export { splitItems } from "./split-items.ts";
export { splitFile, chunkBlobKey } from "./split-file.ts";
