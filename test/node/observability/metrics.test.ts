import { expect } from "chai";
import { register as globalRegistry } from "prom-client";
import { createMetrics } from "../../../node/src/observability/metrics.ts";
import { isKycnetError } from "@kycnet/sdk/errors";

describe("createMetrics", () => {
  it("keeps its metrics out of prom-client's global registry, so two nodes in one process do not collide", async () => {
    const a = createMetrics({ processMetrics: false });
    const b = createMetrics({ processMetrics: false });
    a.setOutboxDepth(3);
    b.setOutboxDepth(7);
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
    m.setAnchoringLag(42.5);
    m.countHsmOperation("sign");
    m.countHsmOperation("sign");
    m.countHsmOperation("unwrap");
    const text = await m.render();
    expect(text).to.contain('kycnet_pipeline_stage_duration_seconds_sum{stage="biometrics.embed"} 0.011');
    expect(text).to.contain("kycnet_anchoring_lag_seconds 42.5");
    expect(text).to.contain('kycnet_hsm_operations_total{operation="sign"} 2');
    expect(text).to.contain('kycnet_hsm_operations_total{operation="unwrap"} 1');
  });

  it("includes process metrics by default", async () => {
    expect(await createMetrics().render()).to.contain("kycnet_process_cpu_user_seconds_total");
  });

  for (const [name, call] of [
    ["a free-text stage label", (m: ReturnType<typeof createMetrics>) => m.observeStage("Nguyen Van A", 1)],
    ["an over-long stage label", (m: ReturnType<typeof createMetrics>) => m.observeStage("a".repeat(49), 1)],
    ["a negative duration", (m: ReturnType<typeof createMetrics>) => m.observeStage("ocr", -1)],
    ["a NaN depth", (m: ReturnType<typeof createMetrics>) => m.setOutboxDepth(Number.NaN)],
    ["a negative lag", (m: ReturnType<typeof createMetrics>) => m.setAnchoringLag(-5)],
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
