/**
 * The retention sweep on a schedule inside the node, with the gauge an operator alerts on:
 * `kycnet_retention_last_sweep_timestamp_seconds` (when the last sweep ended well; 0 before the
 * first), so a sweep that stops running shows as a timestamp that stops moving.
 */
import { Gauge } from "prom-client";
import type { NodeConfig } from "../config.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import { createRetentionSchedule, type RetentionSchedule } from "../vault/retention-schedule.ts";
import type { Vault } from "../vault/vault.ts";

export function openRetentionSchedule(
  config: NodeConfig,
  deps: { vault: Vault; metrics: Metrics; logger: Logger },
): RetentionSchedule {
  const { metrics, logger } = deps;
  const name = "kycnet_retention_last_sweep_timestamp_seconds";
  metrics.registry.removeSingleMetric(name);
  const schedule = createRetentionSchedule({
    vault: deps.vault,
    intervalMs: config.retention.sweepIntervalMs,
    onSwept: ({ shredded, durationMs }) => {
      if (shredded > 0) logger.info({ shredded, durationMs }, "retention sweep shredded records");
    },
    onError: (error) => logger.error({ err: error }, "retention sweep failed; next pass on schedule"),
  });
  new Gauge({
    name,
    help: "When the last retention sweep ended without error (Unix seconds; 0 before the first)",
    registers: [metrics.registry],
    collect() {
      this.set((schedule.lastSweep()?.getTime() ?? 0) / 1000);
    },
  });
  return schedule;
}
