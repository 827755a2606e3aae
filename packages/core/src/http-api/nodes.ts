import { z } from "zod";
import { ActivatedNode, ActivateNodeBody, NodeActivation, NodeSummary, NodeTotals, RegisteredNode, RegisterNodeBody } from "../api.ts";
import { MirrorListing } from "../packages.ts";
import { NodeBuildList } from "./queries.ts";
import { named, type Operation } from "./operation.ts";

const NodeList = z.object({ nodes: z.array(NodeSummary.extend({ session: z.object({ since: z.string(), chunksDone: z.number().int() }).optional() })) });
const registerBody = named("RegisterNodeBody", RegisterNodeBody);

/** Volunteers' nodes, the package mirror nodes load from, node downloads, and this document. */
export const nodeOperations = {
  registerNode: {
    method: "post", path: "/v1/nodes", tag: "nodes", auth: "account", summary: "Register a node: its token (shown once)",
    body: { json: registerBody },
    responses: { 201: { description: "The node and its token", json: named("RegisteredNode", RegisteredNode) } },
    errors: [429],
  },
  createActivationCode: {
    method: "post", path: "/v1/nodes/activation-codes", tag: "nodes", auth: "account", summary: "A one-time code a new node exchanges for its token",
    body: { json: registerBody },
    responses: { 201: { description: "The code, valid 15 minutes", json: named("NodeActivation", NodeActivation) } },
    errors: [429],
  },
  activateNode: {
    method: "post", path: "/v1/nodes/activate", tag: "nodes", auth: "none", summary: "Exchange an activation code for a node token",
    body: { json: named("ActivateNodeBody", ActivateNodeBody) },
    responses: { 201: { description: "The node and its token", json: named("ActivatedNode", ActivatedNode) } },
    errors: [404, 429],
  },
  listNodes: {
    method: "get", path: "/v1/nodes", tag: "nodes", auth: "account", summary: "Your nodes: totals, reputation and live state",
    responses: { 200: { description: "Your nodes", json: named("NodeList", NodeList) } },
  },
  nodeTotals: {
    method: "get", path: "/v1/nodes/me", tag: "nodes", auth: "node", summary: "The calling node's own totals: chunks done, credits earned",
    description: "For a node's local UI; a node token reads only its own node.",
    responses: { 200: { description: "The node's totals", json: named("NodeTotals", NodeTotals) } },
    errors: [403, 404],
  },
  nodeSocket: {
    method: "get", path: "/v1/nodes/ws", tag: "nodes", auth: "node", summary: "A node's connection (WebSocket, the node protocol)",
    responses: { 101: { description: "Switching to a WebSocket" } },
  },
  itemBytes: {
    method: "get", path: "/v1/nodes/chunks/{jobId}/{index}/items/{item}", tag: "nodes", auth: "node", summary: "A binary item's bytes, for the node holding the chunk's lease",
    description: "Needs the lease token in `x-medusa-lease`.",
    responses: { 200: { description: "The item's bytes", other: { "application/octet-stream": "the item" } } },
    errors: [403, 404, 409],
  },
  packages: {
    method: "get", path: "/v1/packages", tag: "packages", auth: "account", summary: "The Pyodide package mirror's listing",
    responses: { 200: { description: "Pyodide's version and the packages a job may name", json: named("MirrorListing", MirrorListing) } },
  },
  packageFile: {
    method: "get", path: "/v1/packages/files/{fileName}", tag: "packages", auth: "node", summary: "A file of the package mirror, for nodes",
    responses: { 200: { description: "The file", other: { "application/octet-stream": "the file" } } },
    errors: [404],
  },
  packageWheel: {
    method: "get", path: "/v1/packages/wheels/{sha256}", tag: "packages", auth: "node", summary: "An uploaded wheel a job pinned, by its sha256, for nodes",
    responses: { 200: { description: "The wheel", other: { "application/octet-stream": "the wheel" } } },
    errors: [404],
  },
  downloads: {
    method: "get", path: "/v1/downloads", tag: "downloads", auth: "none", summary: "The node executables this gateway serves",
    responses: { 200: { description: "Builds with their sizes and checksums", json: named("NodeBuildList", NodeBuildList) } },
    errors: [404, 503],
  },
  download: {
    method: "get", path: "/downloads/{name}", tag: "downloads", auth: "none", summary: "A node executable, SHA256SUMS or VERSION",
    responses: { 200: { description: "The file", other: { "application/octet-stream": "the file" } } },
    errors: [404, 503],
  },
  pythonClient: {
    method: "get", path: "/medusa.py", tag: "downloads", auth: "none", summary: "The Python client, one file",
    description: "`curl -O http://<gateway>/medusa.py` beside a script is the whole install (standard library only, Python 3.9+).",
    responses: { 200: { description: "The module", other: { "text/x-python": "medusa.py" } } },
    errors: [404],
  },
  healthz: {
    method: "get", path: "/healthz", tag: "docs", auth: "none", summary: "Liveness",
    responses: { 200: { description: "The gateway answers", json: z.object({ ok: z.literal(true) }) } },
  },
  openapi: {
    method: "get", path: "/v1/openapi.json", tag: "docs", auth: "none", summary: "This document",
    responses: { 200: { description: "OpenAPI 3.1", json: z.record(z.string(), z.unknown()) } },
  },
  docs: {
    method: "get", path: "/docs", tag: "docs", auth: "none", summary: "This document, rendered",
    responses: { 200: { description: "An HTML page", other: { "text/html": "the API reference" } } },
  },
} as const satisfies Record<string, Operation>;
