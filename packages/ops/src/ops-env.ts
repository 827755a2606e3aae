import { z } from "zod";

/**
 * The ops listener's variables, for services without HTTP of their own (the
 * gateway answers the same routes on its own port). Unset, a service opens no
 * listener, so several replicas on one host never fight over a port;
 * compose.yaml sets 9464 (Prometheus's port for exporters) in each container.
 */
export const opsEnv = () => ({
  /** Port of /metrics, /healthz and /readyz; 0 picks a free one (it is logged). */
  MEDUSA_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  /** The interface of that listener; all of them by default, for Prometheus and the container's health check. */
  MEDUSA_METRICS_HOST: z.string().min(1).default("0.0.0.0"),
});
