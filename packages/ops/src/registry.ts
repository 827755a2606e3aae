import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * One Prometheus registry per service process (the embedded stack shares one
 * across its services), every series labelled with the service, plus the
 * runtime's own figures (CPU, memory, event-loop lag) that prom-client collects.
 */
export function serviceRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export type { Registry } from "prom-client";
