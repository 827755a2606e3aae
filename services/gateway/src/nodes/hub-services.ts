import type { Bus, ChunkInput, NodeSessionMessage, RunnableProgram } from "@medusa/core";
import type { Log } from "../http/types.ts";

export interface JobProgram {
  owner: string;
  program: RunnableProgram;
  timeoutMs: number;
  /** sha256 of owner and program: which jobs may share a node's warm runner. */
  affinity: string;
}

/** What connections use from their hub. */
export interface HubServices {
  bus: Bus;
  log: Log;
  /** Chunks any one node may hold, whatever its slots. */
  maxNodeChunks: number;
  /** How many new-chunks announcements (workAvailable) this gateway has heard: a connection whose lease came back short leases again only if this moved meanwhile. */
  readonly workAnnounced: number;
  program(jobId: string): Promise<JobProgram>;
  chunkItems(job: { jobId: string; owner: string }, input: ChunkInput): Promise<unknown[]>;
  /** After a connection closed: hands its chunks back unless the node has already reconnected. */
  releaseOrphans(nodeId: string): Promise<void>;
  sessionMessage(nodeId: string, message: NodeSessionMessage): void;
}
