import { expect } from "chai";
import { register as globalRegistry } from "prom-client";
import { createMetrics } from "../../../node/src/observability/metrics.ts";
import { isKycnetError } from "@kycnet/sdk/errors";
import { promtoolComplaints } from "../../support/promtool.ts";

describe("createMetrics", () => {
  it("keeps its metrics out of prom-client's global registry, so two nodes in one process do not collide", async () => {
    const a = createMetrics({ processMetrics: false });
    const b = createMetrics({ processMetrics: false });
    a.watch({ outboxDepth: async () => 3 });
    b.watch({ outboxDepth: async () => 7 });
    expect(await a.render()).to.contain("kycnet_outbox_depth 3");
    expect(await b.render()).to.contain("kycnet_outbox_depth 7");
    expect(await globalRegistry.metrics()).not.to.contain("kycnet_outbox_depth");
  });

  it("records HTTP requests in a histogram by route template, method and status", async () => {
    const m = createMetrics({ processMetrics: false });
    m.observeHttpRequest({ route: "/v1/consents/:id/status", method: "GET", statusCode: 200, seconds: 0.003 });
    const text = await m.render();
    expect(text).to.contain("# TYPE kycnet_http_request_duration_seconds histogram");
    expect(text).to.contain(
      'kycnet_http_request_duration_seconds_bucket{le="0.005",route="/v1/consents/:id/status",method="GET",status_code="200"} 1',
    );
    expect(text).to.contain(
      'kycnet_http_request_duration_seconds_count{route="/v1/consents/:id/status",method="GET",status_code="200"} 1',
    );
  });

  it("folds unknown HTTP methods into OTHER", async () => {
    const m = createMetrics({ processMetrics: false });
    m.observeHttpRequest({ route: "unmatched", method: "BREW", statusCode: 404, seconds: 0.001 });
    expect(await m.render()).to.contain('method="OTHER"');
  });

  it("exposes stage timings in seconds, outbox depth, anchoring lag and HSM operation counts", async () => {
    const m = createMetrics({ processMetrics: false });
    m.observeStage("biometrics.embed", 11);
    m.watch({ anchoringLagSeconds: async () => 42.5 });
    m.countHsmOperation("sign");
    m.countHsmOperation("sign");
    m.countHsmOperation("open");
    const text = await m.render();
    expect(text).to.contain('kycnet_pipeline_stage_duration_seconds_sum{stage="biometrics.embed"} 0.011');
    expect(text).to.contain("kycnet_anchoring_lag_seconds 42.5");
    expect(text).to.contain('kycnet_hsm_operations_total{operation="sign"} 2');
    expect(text).to.contain('kycnet_hsm_operations_total{operation="open"} 1');
  });

  it("includes process metrics by default, under their standard names", async () => {
    const text = await createMetrics().render();
    expect(text).to.contain("process_cpu_user_seconds_total");
    expect(text).to.contain("nodejs_heap_size_used_bytes");
    expect(text).not.to.match(/kycnet_(process|nodejs)_/);
  });

  it("reads the state gauges at scrape time: breaker state, sanctions list age, review queue depth, balance", async () => {
    const m = createMetrics({ processMetrics: false });
    let state: "CLOSED" | "OPEN" | "HALF_OPEN" = "CLOSED";
    let open = 2;
    let balance = 5e18;
    m.watch({
      registryCircuitState: () => state,
      sanctionsListAgeSeconds: () => 3600,
      reviewQueueDepth: async () => ({ open, claimed: 1 }),
      accountBalanceWei: async () => balance,
    });
    let text = await m.render();
    expect(text).to.match(/^kycnet_account_balance_wei 5000000000000000000$/m);
    balance = 0;
    text = await m.render();
    expect(text).to.match(/^kycnet_account_balance_wei 0$/m);
    expect(text).to.contain('kycnet_registry_circuit_breaker_state{state="closed"} 1');
    expect(text).to.contain('kycnet_registry_circuit_breaker_state{state="open"} 0');
    expect(text).to.contain("kycnet_sanctions_list_age_seconds 3600");
    expect(text).to.contain('kycnet_review_queue_depth{status="open"} 2');
    expect(text).to.contain('kycnet_review_queue_depth{status="claimed"} 1');
    state = "OPEN";
    open = 0;
    text = await m.render();
    expect(text).to.contain('kycnet_registry_circuit_breaker_state{state="closed"} 0');
    expect(text).to.contain('kycnet_registry_circuit_breaker_state{state="open"} 1');
    expect(text).to.contain('kycnet_review_queue_depth{status="open"} 0');
  });

  it("shows NaN (unknown, never 0) for a gauge whose reader fails or answers a negative value, and serves the rest", async () => {
    const m = createMetrics({ processMetrics: false });
    m.watch({
      outboxDepth: () => Promise.reject(new Error("store closed")),
      anchoringLagSeconds: async () => -5,
      sanctionsListAgeSeconds: () => 10,
    });
    const text = await m.render();
    // prom-client writes "Nan"; Prometheus parses the value case-insensitively (promtool accepts it).
    expect(text).to.match(/^kycnet_outbox_depth NaN$/im);
    expect(text).to.match(/^kycnet_anchoring_lag_seconds NaN$/im);
    expect(text).to.contain("kycnet_sanctions_list_age_seconds 10");
  });

  it("has a state gauge only when its reader was given; a second watch replaces the readers", async () => {
    const m = createMetrics({ processMetrics: false });
    expect(await m.render()).not.to.contain("kycnet_outbox_depth");
    m.watch({ outboxDepth: async () => 1 });
    m.watch({ anchoringLagSeconds: async () => 2 });
    const text = await m.render();
    expect(text).not.to.contain("kycnet_outbox_depth");
    expect(text).to.contain("kycnet_anchoring_lag_seconds 2");
  });

  it("passes promtool check metrics with every metric filled in (process metrics included)", async () => {
    const m = createMetrics();
    m.observeHttpRequest({ route: "/v1/review/cases", method: "GET", statusCode: 200, seconds: 0.01 });
    m.observeStage("document.qr", 12);
    m.countHsmOperation("sign");
    m.countProblem("RATE_LIMITED");
    m.countExchangeRequest("refused", "not_member");
    m.countSanctionsRefresh("RELOADED");
    m.countRescreen(120, 1);
    m.watch({
      outboxDepth: async () => 3,
      anchoringLagSeconds: async () => 1.5,
      registryCircuitState: () => "HALF_OPEN",
      sanctionsListAgeSeconds: () => 60,
      sanctionsLastConfirmedTimestampSeconds: () => 1_796_000_000,
      reviewQueueDepth: async () => ({ open: 1, claimed: 0 }),
    });
    expect(await promtoolComplaints(await m.render())).to.deep.equal([]);
  });

  it("counts sanctions refreshes by outcome (every outcome present from the start) and re-screened records", async () => {
    const m = createMetrics({ processMetrics: false });
    expect(await m.render()).to.contain('kycnet_sanctions_refreshes_total{outcome="failed"} 0');
    m.countSanctionsRefresh("FAILED");
    m.countSanctionsRefresh("UNCHANGED");
    m.countSanctionsRefresh("UNCHANGED");
    m.countRescreen(40, 2);
    const text = await m.render();
    expect(text).to.contain('kycnet_sanctions_refreshes_total{outcome="failed"} 1');
    expect(text).to.contain('kycnet_sanctions_refreshes_total{outcome="unchanged"} 2');
    expect(text).to.contain("kycnet_sanctions_rescreened_records_total 40");
    expect(text).to.contain("kycnet_sanctions_rescreen_cases_total 2");
    expect(() => m.countRescreen(-1, 0)).to.throw();
  });

  it("promtool does complain about a badly named metric (the check above can fail)", async () => {
    const bad = "# HELP kycnet_anchoring_lag lag\n# TYPE kycnet_anchoring_lag counter\nkycnet_anchoring_lag 1\n";
    expect(await promtoolComplaints(bad)).not.to.be.empty;
  });

  it("counts exchange requests by outcome and wire status", async () => {
    const m = createMetrics({ processMetrics: false });
    m.countExchangeRequest("served", "ok");
    m.countExchangeRequest("refused", "consent_not_active");
    m.countExchangeRequest("refused", "consent_not_active");
    const text = await m.render();
    expect(text).to.contain('kycnet_exchange_requests_total{outcome="served",reason="ok"} 1');
    expect(text).to.contain('kycnet_exchange_requests_total{outcome="refused",reason="consent_not_active"} 2');
  });

  for (const [name, call] of [
    ["a free-text stage label", (m: ReturnType<typeof createMetrics>) => m.observeStage("Nguyen Van A", 1)],
    ["an over-long stage label", (m: ReturnType<typeof createMetrics>) => m.observeStage("a".repeat(49), 1)],
    ["a negative duration", (m: ReturnType<typeof createMetrics>) => m.observeStage("ocr", -1)],
    [
      "an exchange reason that is free text",
      (m: ReturnType<typeof createMetrics>) => m.countExchangeRequest("refused", "Consent Not Active"),
    ],
    [
      "a problem code that is not SCREAMING_SNAKE",
      (m: ReturnType<typeof createMetrics>) => m.countProblem("not found"),
    ],
    ["an HSM operation with spaces", (m: ReturnType<typeof createMetrics>) => m.countHsmOperation("sign tx")],
  ] as const) {
    it(`refuses ${name} with INVALID_ARGUMENT`, () => {
      const m = createMetrics({ processMetrics: false });
      expect(() => call(m))
        .to.throw()
        .that.satisfies((e: unknown) => isKycnetError(e, "INVALID_ARGUMENT"));
    });
  }
});
