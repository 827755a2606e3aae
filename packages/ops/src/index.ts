export { meteredBus } from "./metered-bus.ts";
export { opsEnv } from "./ops-env.ts";
export { opsListener, opsRoutes, serveOps, withOpsRoutes } from "./ops-routes.ts";
export { Readiness, type Probe, type ReadinessReport } from "./readiness.ts";
export { serviceRegistry, type Registry } from "./registry.ts";
export { Counter, Gauge, Histogram } from "prom-client";
