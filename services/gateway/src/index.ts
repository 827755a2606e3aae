export { createGateway, type Gateway, type GatewayDeps } from "./gateway.ts";
export { NodeHub, type NodeStatus } from "./nodes/hub.ts";
export { silentLog, type Log } from "./http/types.ts";
export { PackageMirror } from "./packages/package-mirror.ts";
export { DEFAULT_RATES, RateLimits, type Rate, type RateLimitConfig } from "./http/rate-limits.ts";
export { rateLimitEnv, ratesFromEnv } from "./http/rate-env.ts";
export { gatewayMetrics } from "./gateway-metrics.ts";
