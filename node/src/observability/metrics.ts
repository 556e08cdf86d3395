/**
 * The node's Prometheus metrics, in a registry of its own (never prom-client's global one, so two
 * nodes or two tests in one process never collide). Other modules get the helpers, not the registry:
 * `observeStage` for eKYC pipeline stage timings, `countHsmOperation`, `countExchangeRequest`, and
 * `watch(sources)`, through which the composition root hands in readers for the gauges that
 * describe a state (`state-gauges.ts`: outbox depth, anchoring lag, circuit breaker, sanctions list
 * age, review queue), read at scrape time.
 * Label values are checked, so no caller can blow up the series count with free text (or leak data
 * through a label). Names follow Prometheus conventions: base units in the name (`_seconds`),
 * counters end in `_total`, process metrics keep prom-client's standard names (`process_*`, `nodejs_*`).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { registerStateGauges, type GaugeSources } from "./state-gauges.ts";

export { CIRCUIT_STATES, type CircuitStateName, type GaugeSources } from "./state-gauges.ts";

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event-loop lag, GC) under their standard names; default true. */
  readonly processMetrics?: boolean;
  /** Prefix of every kycnet metric name (not of the standard process metrics); default "kycnet_". */
  readonly prefix?: string;
}

/** How one scheduled read of the sanctions list files ended (the refresher's outcome). */
export type SanctionsRefreshStatus = "RELOADED" | "UNCHANGED" | "FAILED";

/** How one record exchange request ended, seen from the serving bank. */
export type ExchangeOutcome = "served" | "refused" | "failed";

export interface HttpObservation {
  /** The route template ("/v1/onboarding/sessions/:id"), never the raw URL. */
  readonly route: string;
  readonly method: string;
  readonly statusCode: number;
  readonly seconds: number;
}

export interface Metrics {
  readonly registry: Registry;
  readonly contentType: string;
  observeHttpRequest(observation: HttpObservation): void;
  /** Duration of one eKYC pipeline stage ("document.qr", "biometrics.embed", ...), in ms. */
  observeStage(stage: string, ms: number): void;
  /** One HSM operation ("sign", "seal", "open", "ecdh"). */
  countHsmOperation(operation: string): void;
  /** One record request this node answered as the issuing bank; `reason` is its wire status ("ok", "not_member"...). */
  countExchangeRequest(outcome: ExchangeOutcome, reason: string): void;
  /** Sets the readers of the state gauges (once, by the composition root; a later call replaces them). */
  watch(sources: GaugeSources): void;
  /** One problem+json answer, by its stable code ("RATE_LIMITED", "LEDGER_UNAVAILABLE", ...). */
  countProblem(code: string): void;
  /** One scheduled read of the sanctions list files, by how it ended. */
  countSanctionsRefresh(status: SanctionsRefreshStatus): void;
  /** Standing customers' records screened again after a list change, and the review cases that opened. */
  countRescreen(records: number, casesOpened: number): void;
  /** The outcome of the start-up vault check (vault/vault-check.ts). */
  recordVaultCheck(result: { readonly ok: boolean; readonly problems: number; readonly seconds: number }): void;
  /** A stored record that could not be opened (decryption or integrity failure): alerting, see alerts. */
  countRecordOpenFailure(code: string): void;
  /** A connection the libp2p gate refused, by reason ("not_member", "denied_dial"...). */
  countRefusedPeer(reason: string): void;
  /** The exposition text for /metrics. */
  render(): Promise<string>;
}

const MISNAMED_DEFAULT_GAUGES = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

const LABEL_VALUE = /^[a-z][a-z0-9_.-]{0,47}$/;
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const HTTP_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

function checkLabel(value: string, field: string): string {
  if (!LABEL_VALUE.test(value))
    throw new InvalidArgumentError(field, "must be 1-48 of a-z 0-9 . _ - starting with a letter");
  return value;
}

function checkNonNegative(value: number, field: string): number {
  if (!Number.isFinite(value) || value < 0) throw new InvalidArgumentError(field, "must be a finite number ≥ 0");
  return value;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const prefix = options.prefix ?? "kycnet_";
  const registry = new Registry();
  // Standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes...): the dashboards and
  // alerts written for any Node service then work unchanged.
  if (options.processMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // prom-client's only non-conforming names: gauges ending in `_total` (promtool rejects them).
    // The same counts stay available by type (nodejs_active_handles{type}...; sum() gives the total).
    for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
  }

  const httpDuration = new Histogram({
    name: `${prefix}http_request_duration_seconds`,
    help: "HTTP request duration by route template, method and status code",
    labelNames: ["route", "method", "status_code"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const stageDuration = new Histogram({
    name: `${prefix}pipeline_stage_duration_seconds`,
    help: "eKYC pipeline stage duration",
    labelNames: ["stage"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const exchangeRequests = new Counter({
    name: `${prefix}exchange_requests_total`,
    help: "Record requests answered as the issuing bank, by outcome and wire status",
    labelNames: ["outcome", "reason"] as const,
    registers: [registry],
  });
  const hsmOperations = new Counter({
    name: `${prefix}hsm_operations_total`,
    help: "HSM operations by kind",
    labelNames: ["operation"] as const,
    registers: [registry],
  });

  const problems = new Counter({
    name: `${prefix}http_problems_total`,
    help: "Problem+json answers by stable error code",
    labelNames: ["code"] as const,
    registers: [registry],
  });

  const sanctionsRefreshes = new Counter({
    name: `${prefix}sanctions_refreshes_total`,
    help: "Scheduled reads of the sanctions list files, by outcome (reloaded, unchanged, failed)",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  // Zero series up front, so `increase(...{outcome="failed"}[1h])` works before the first failure.
  for (const outcome of ["reloaded", "unchanged", "failed"]) sanctionsRefreshes.inc({ outcome }, 0);
  const rescreenedRecords = new Counter({
    name: `${prefix}sanctions_rescreened_records_total`,
    help: "Standing customers' records screened again after a sanctions list changed",
    registers: [registry],
  });
  const rescreenCases = new Counter({
    name: `${prefix}sanctions_rescreen_cases_total`,
    help: "Review cases opened for standing customers hit by a changed sanctions list",
    registers: [registry],
  });
  const vaultCheckOk = new Gauge({
    name: `${prefix}vault_check_ok`,
    help: "1 when the last start-up vault check passed (files, audit chain, index, outbox), 0 when it failed",
    registers: [registry],
  });
  const vaultCheckProblems = new Gauge({
    name: `${prefix}vault_check_problems`,
    help: "Problems the last start-up vault check found (capped at 20)",
    registers: [registry],
  });
  const vaultCheckSeconds = new Gauge({
    name: `${prefix}vault_check_duration_seconds`,
    help: "How long the last start-up vault check took",
    registers: [registry],
  });
  const recordOpenFailures = new Counter({
    name: `${prefix}record_open_failures_total`,
    help: "Stored records that failed to open (decryption or integrity), by error code",
    labelNames: ["code"] as const,
    registers: [registry],
  });
  const refusedPeers = new Counter({
    name: `${prefix}exchange_refused_connections_total`,
    help: "libp2p connections refused at the member gate, by reason",
    labelNames: ["reason"] as const,
    registers: [registry],
  });

  return {
    registry,
    contentType: registry.contentType,
    recordVaultCheck({ ok, problems: count, seconds }) {
      vaultCheckOk.set(ok ? 1 : 0);
      vaultCheckProblems.set(checkNonNegative(count, "problems"));
      vaultCheckSeconds.set(checkNonNegative(seconds, "seconds"));
    },
    countRecordOpenFailure(code) {
      if (!ERROR_CODE.test(code)) throw new InvalidArgumentError("code", "must be a SCREAMING_SNAKE error code");
      recordOpenFailures.inc({ code });
    },
    countRefusedPeer(reason) {
      refusedPeers.inc({ reason: checkLabel(reason, "reason") });
    },
    observeHttpRequest({ route, method, statusCode, seconds }) {
      httpDuration.observe(
        { route, method: HTTP_METHODS.has(method) ? method : "OTHER", status_code: String(statusCode) },
        Math.max(0, seconds),
      );
    },
    observeStage(stage, ms) {
      stageDuration.observe({ stage: checkLabel(stage, "stage") }, checkNonNegative(ms, "ms") / 1000);
    },
    countHsmOperation(operation) {
      hsmOperations.inc({ operation: checkLabel(operation, "operation") });
    },
    countExchangeRequest(outcome, reason) {
      exchangeRequests.inc({ outcome, reason: checkLabel(reason, "reason") });
    },
    watch(sources) {
      registerStateGauges(registry, prefix, sources);
    },
    countProblem(code) {
      if (!ERROR_CODE.test(code)) throw new InvalidArgumentError("code", "must be a SCREAMING_SNAKE error code");
      problems.inc({ code });
    },
    countSanctionsRefresh(status) {
      sanctionsRefreshes.inc({ outcome: status.toLowerCase() });
    },
    countRescreen(records, casesOpened) {
      rescreenedRecords.inc(checkNonNegative(records, "records"));
      rescreenCases.inc(checkNonNegative(casesOpened, "casesOpened"));
    },
    render() {
      return registry.metrics();
    },
  };
}
