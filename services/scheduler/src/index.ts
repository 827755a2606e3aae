export { serveScheduler, type SchedulerDeps } from "./scheduler-service.ts";
