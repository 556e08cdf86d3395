/**
 * The gauges that describe a state rather than count events: outbox depth, anchoring lag, the
 * registry client's circuit breaker, the sanctions lists' age, the review queue's depth, the
 * account balance that pays for anchoring. Each is
 * read from a reader the composition root hands in (`Metrics.watch`), at scrape time, so it is as
 * fresh as the scrape whether or not anything happened since (a record waiting for a chain that is
 * down makes the lag grow on every scrape, not only after the next successful batch).
 *
 * A gauge exists only when its reader was given. A reader that fails, or answers a negative or
 * non-finite value, makes its gauge NaN for that scrape (unknown, never a reassuring 0; labelled
 * gauges show no sample) and the rest of the page is still served.
 */
import { Gauge, type Registry } from "prom-client";

/** The states of the registry client's circuit breaker (the ekyc checks' `CircuitState`). */
export const CIRCUIT_STATES = ["CLOSED", "OPEN", "HALF_OPEN"] as const;
export type CircuitStateName = (typeof CIRCUIT_STATES)[number];

/** Readers for the state gauges; each is called on every scrape. */
export interface GaugeSources {
  /** Records queued for anchoring, pending or in flight. */
  readonly outboxDepth?: () => Promise<number>;
  /** Age in seconds of the oldest record accepted but not yet anchored; 0 when none waits. */
  readonly anchoringLagSeconds?: () => Promise<number>;
  /** The national-ID registry client's circuit breaker. */
  readonly registryCircuitState?: () => CircuitStateName;
  /** Seconds since the sanctions lists in use were loaded (since their content last changed). */
  readonly sanctionsListAgeSeconds?: () => number;
  /** Unix time (seconds) the lists in use were last confirmed current: loaded, or read again unchanged. */
  readonly sanctionsLastConfirmedTimestampSeconds?: () => number;
  /** Review cases awaiting a decision, by status. */
  readonly reviewQueueDepth?: () => Promise<{ open: number; claimed: number }>;
  /** The bank account's balance in wei, which pays for anchoring (float: a gauge for alerting, not accounting). */
  readonly accountBalanceWei?: () => Promise<number>;
}

const usable = (value: number) => Number.isFinite(value) && value >= 0;

/** A label-free gauge read from `read` at scrape time. */
function valueGauge(registry: Registry, name: string, help: string, read: () => number | Promise<number>): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      const value = await Promise.resolve()
        .then(read)
        .catch(() => Number.NaN);
      this.set(usable(value) ? value : Number.NaN);
    },
  });
}

const STATE_GAUGE_NAMES = [
  "outbox_depth",
  "anchoring_lag_seconds",
  "sanctions_list_age_seconds",
  "sanctions_last_confirmed_timestamp_seconds",
  "registry_circuit_breaker_state",
  "review_queue_depth",
  "account_balance_wei",
] as const;

/**
 * Registers one gauge per reader given, under `prefix`, in place of any registered before (so a
 * second `watch` replaces the readers instead of failing on a duplicate name).
 */
export function registerStateGauges(registry: Registry, prefix: string, sources: GaugeSources): void {
  for (const name of STATE_GAUGE_NAMES) registry.removeSingleMetric(`${prefix}${name}`);
  const { outboxDepth, anchoringLagSeconds, registryCircuitState, sanctionsListAgeSeconds, reviewQueueDepth } = sources;
  if (sources.accountBalanceWei)
    valueGauge(
      registry,
      `${prefix}account_balance_wei`,
      "Balance of the bank's signing account, which pays for anchoring (see the readiness check funds)",
      sources.accountBalanceWei,
    );
  if (outboxDepth)
    valueGauge(
      registry,
      `${prefix}outbox_depth`,
      "Accepted records queued for anchoring, pending or in flight",
      outboxDepth,
    );
  if (anchoringLagSeconds)
    valueGauge(
      registry,
      `${prefix}anchoring_lag_seconds`,
      "Age of the oldest accepted record not yet anchored (0 when none waits)",
      anchoringLagSeconds,
    );
  if (sanctionsListAgeSeconds)
    valueGauge(
      registry,
      `${prefix}sanctions_list_age_seconds`,
      "Time since the sanctions lists in use were loaded",
      sanctionsListAgeSeconds,
    );
  if (sources.sanctionsLastConfirmedTimestampSeconds)
    valueGauge(
      registry,
      `${prefix}sanctions_last_confirmed_timestamp_seconds`,
      "When the sanctions list files were last read successfully (changed or not), as Unix time",
      sources.sanctionsLastConfirmedTimestampSeconds,
    );
  if (registryCircuitState)
    new Gauge({
      name: `${prefix}registry_circuit_breaker_state`,
      help: "National-ID registry client circuit breaker: 1 for the current state, 0 for the others",
      labelNames: ["state"] as const,
      registers: [registry],
      collect() {
        this.reset();
        const current = registryCircuitState();
        for (const state of CIRCUIT_STATES) this.set({ state: state.toLowerCase() }, state === current ? 1 : 0);
      },
    });
  if (reviewQueueDepth)
    new Gauge({
      name: `${prefix}review_queue_depth`,
      help: "Review cases awaiting a decision, by status",
      labelNames: ["status"] as const,
      registers: [registry],
      async collect() {
        this.reset();
        const depth = await reviewQueueDepth().catch(() => null);
        if (depth === null) return;
        for (const [status, count] of Object.entries(depth)) if (usable(count)) this.set({ status }, count);
      },
    });
}
