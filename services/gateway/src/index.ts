export { createGateway, type Gateway, type GatewayDeps } from "./gateway.ts";
export { NodeHub, type NodeStatus } from "./nodes/hub.ts";
export { silentLog, type Log } from "./http/types.ts";
export { PackageMirror } from "./packages/package-mirror.ts";
export { gatewayMetrics } from "./gateway-metrics.ts";
