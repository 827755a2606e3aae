/**
 * Every size cap in one place: what a caller may send, what a node may answer
 * and what the system keeps. Schemas, truncation and error messages all read
 * these, so a cap and the message quoting it can never drift apart.
 */

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const limits = {
  // what a consumer sends
  /** A JSON request body (the gateway's default; MEDUSA_MAX_JSON_BYTES overrides it). */
  jsonBodyBytes: 16 * MiB,
  /** One uploaded file (the gateway's default; MEDUSA_MAX_FILE_BYTES overrides it). */
  fileBytes: 1 * GiB,
  /** A Python program's source. */
  sourceBytes: 256 * KiB,
  /** A job's or session's name. */
  nameChars: 200,
  /** A password: long enough for any passphrase, short enough to hash cheaply. */
  passwordChars: 200,
  /** Inline `items` in one request. */
  inlineItems: 1_000_000,
  /** Items a `range` input may name. */
  rangeItems: 1_000_000_000,
  /** The longest `GET /v1/jobs/{id}/results?wait=` or `POST /v1/jobs?wait=` may hold a request open for the job to end. */
  resultsWaitSeconds: 300,
  /** Items in one chunk. */
  chunkSize: 100_000,
  /** Items a session keeps in the gateway's memory (they are re-sent when a partition moves). */
  sessionItems: 5_000_000,
  /** An input file a session reads whole. */
  sessionFileBytes: 256 * MiB,
  /** A file path under the account's folder. */
  filePathChars: 512,
  /** One folder or file name: room under the usual 255-byte limit for the sidecar files beside a blob. */
  pathSegmentBytes: 200,
  /** A blob key, account prefix included. */
  blobKeyChars: 1024,
  /** One line (or JSON array element) of an input file: held whole in memory, so a file with no newlines is never read into RAM. */
  inputLineChars: 16 * MiB,
  /** Mirror packages one job or session may name. */
  namedPackages: 64,
  /** Uploaded wheels one job or session may name. */
  namedWheels: 16,
  /** Wheels one job may load, dependencies included (their list goes on a runner's command line). */
  pinnedWheels: 128,
  /** One uploaded wheel a job names (the gateway's default). */
  wheelBytes: 64 * MiB,
  /** A chunk of a file this small travels inline in the chunk record instead of as its own blob. */
  inlineChunkBytes: 256 * KiB,
  /** One binary item (a file of a `files` input, a record of a `binary` file): a node fetches it whole and hands it to the program in memory. */
  binaryItemBytes: 64 * MiB,
  /** The bytes of one chunk of binary items; a chunk always holds at least one item. */
  binaryChunkBytes: 64 * MiB,
  /** Binary items in one chunk, whatever `chunkSize` asks: their names travel in the chunk record. */
  binaryChunkItems: 1000,

  // what a node holds
  /** Chunks a node may hold per slot it declares, running and fetched ahead (a node of tiny chunks fetches this many). */
  nodeChunksPerSlot: 32,
  /** Chunks any one node may hold, whatever its slots (the gateway's default; MEDUSA_NODE_MAX_CHUNKS overrides it). */
  nodeChunks: 512,

  // what a node answers
  /** A chunk's or a session's error message, as stored and shown to the consumer. */
  errorMessageChars: 8192,
  /** What a runner keeps of a program's exception and output, leaving room for the node's own prefix. */
  runnerErrorChars: 4000,
  /** What a runner keeps of a program's printed output to show beside its error. */
  programOutputChars: 2000,
  /**
   * One chunk's result as JSON text. The runner refuses a bigger one first, and
   * every later hop (the node's frame, the gateway's WebSocket, the bus, the
   * store) holds at least this much, so a result either fits everywhere or
   * fails its attempt with this figure named.
   */
  resultBytes: 16 * MiB,
  /** Room around a result in a frame or message: the envelope, ids and the escaping a string of JSON gets. */
  envelopeBytes: 1 * MiB,
  /** How deep a result or a request body may nest arrays and objects (checked without recursion: see json-bounds.ts). */
  jsonDepth: 64,
  /** A runner's stderr kept by the node for its log. */
  runnerStderrBytes: 1 * MiB,
  /** One line from the node to its runner (the parent is trusted, but one runaway line must not take the runner's memory). */
  parentLineBytes: 1 * GiB,

  // what the system keeps (defaults; see the env variables named)
  /** What one account may store, finished files and unfinished uploads together (MEDUSA_STORAGE_QUOTA). */
  storageQuotaBytes: 10 * GiB,
  /** How long a finished job's chunks, results and events are kept (MEDUSA_RETENTION); an expired job answers 410 as long again. */
  retentionMs: 7 * 24 * 3600 * 1000,
  /** An unfinished upload untouched this long is deleted (MEDUSA_UPLOAD_EXPIRY). */
  pendingUploadMs: 24 * 3600 * 1000,
} as const;
