import { expect } from "chai";
import { checkReadiness } from "../../../node/src/observability/readiness.ts";
import { createHarness } from "../api/harness.ts";

describe("observability endpoints", () => {
  describe("/health", () => {
    it("answers 200 ok without a key", async () => {
      const h = await createHarness();
      const res = await h.app.inject({ method: "GET", url: "/health" });
      expect(res.statusCode).to.equal(200);
      expect(res.json()).to.deep.equal({ status: "ok" });
      await h.app.close();
    });
  });

  describe("/ready", () => {
    it("answers 200 when every check passes", async () => {
      const h = await createHarness({
        readinessChecks: [
          { name: "ledger", check: async () => true },
          { name: "hsm", check: async () => undefined },
          { name: "vault", check: async () => true },
        ],
      });
      const res = await h.app.inject({ method: "GET", url: "/ready" });
      expect(res.statusCode).to.equal(200);
      expect(res.json()).to.deep.equal({ status: "ready", checks: { ledger: "up", hsm: "up", vault: "up" } });
      await h.app.close();
    });

    it("answers 503 naming the failing check, keeps the reason in the log only", async () => {
      const h = await createHarness({
        readinessChecks: [
          {
            name: "ledger",
            check: async () => {
              throw new Error("connect ECONNREFUSED 10.9.9.9:8545");
            },
          },
          { name: "hsm", check: async () => false },
          { name: "vault", check: async () => true },
        ],
      });
      const res = await h.app.inject({ method: "GET", url: "/ready" });
      expect(res.statusCode).to.equal(503);
      expect(res.json()).to.deep.equal({ status: "not_ready", checks: { ledger: "down", hsm: "down", vault: "up" } });
      expect(res.body).not.to.contain("10.9.9.9");
      expect(h.logText()).to.contain("10.9.9.9");
      await h.app.close();
    });

    it("counts a check that hangs past the timeout as down, and aborts it", async () => {
      let aborted = false;
      const report = await checkReadiness(
        [
          {
            name: "ledger",
            check: (signal) =>
              new Promise(() =>
                signal.addEventListener("abort", () => {
                  aborted = true;
                }),
              ),
          },
        ],
        50,
      );
      expect(report.ready).to.equal(false);
      expect(report.checks).to.deep.equal({ ledger: "down" });
      expect(String(report.failures[0]!.error)).to.contain("did not answer within 50 ms");
      expect(aborted).to.equal(true);
    });
  });

  describe("/metrics", () => {
    it("serves Prometheus text with the request histogram by route template, not raw URL", async () => {
      const h = await createHarness();
      const uid = `0x${"ab".repeat(32)}`;
      h.services.ledger.attestations.set(uid as `0x${string}`, "VALID");
      await h.app.inject({ method: "GET", url: `/v1/attestations/${uid}/status`, headers: h.auth("auditor") });
      await h.app.inject({ method: "GET", url: "/no/such/thing/NGUYEN" });
      const res = await h.app.inject({ method: "GET", url: "/metrics" });
      expect(res.statusCode).to.equal(200);
      expect(res.headers["content-type"]).to.match(/^text\/plain; version=0\.0\.4/);
      expect(res.body).to.contain("# TYPE kycnet_http_request_duration_seconds histogram");
      expect(res.body).to.contain(
        'kycnet_http_request_duration_seconds_count{route="/v1/attestations/:uid/status",method="GET",status_code="200"} 1',
      );
      expect(res.body).to.contain('route="unmatched",method="GET",status_code="404"');
      expect(res.body).to.contain('kycnet_http_problems_total{code="ROUTE_NOT_FOUND"} 1');
      expect(res.body).not.to.contain(uid);
      expect(res.body).not.to.contain("NGUYEN");
      expect(h.logText()).not.to.contain("NGUYEN");
      expect(h.logText()).not.to.contain(uid);
      await h.app.close();
    });
  });
});
