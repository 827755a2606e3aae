export { serveSplitter, type Splitter, type SplitterDeps } from "./splitter-service.ts";
