/**
 * The HTTP adapter against the real simulator listening on 127.0.0.1 (port 0): the compliance
 * suite, then every failure path (5xx, hangs, deadline, malformed bodies, circuit breaker,
 * connection refused, caller abort).
 */
import { expect } from "chai";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import sharp from "sharp";
import { HttpNationalIdRegistry } from "../../../../../node/src/ekyc/checks/national-id/http-adapter.ts";
import { CircuitBreaker } from "../../../../../node/src/ekyc/checks/national-id/circuit-breaker.ts";
import type { IdentityCheckResult } from "../../../../../node/src/ekyc/checks/national-id/port.ts";
import {
  createRegistrySimulator,
  type RegistrySimulator,
} from "../../../../../node/src/ekyc/checks/national-id/simulator/server.ts";
import { isKycnetError } from "@kycnet/sdk/errors";
import { CitizenPhotos } from "../../../../../node/src/ekyc/checks/national-id/citizen-photos.ts";
import { sharedOnnxModel } from "../../biometrics/helpers.ts";
import { describeNationalIdRegistryCompliance } from "./compliance.ts";

function codeOf(result: IdentityCheckResult): string {
  if (result.status !== "UNAVAILABLE") return result.status;
  expect(isKycnetError(result.error) && result.error.code === result.code).to.equal(true);
  return result.code;
}

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("HttpNationalIdRegistry against the registry simulator", () => {
  let simulator: RegistrySimulator;
  let photos: CitizenPhotos;
  before(async () => {
    photos = new CitizenPhotos(await sharedOnnxModel());
    simulator = createRegistrySimulator({ seed: 6, citizens: 300, photos });
    await simulator.start();
  });
  after(() => simulator.stop());

  describeNationalIdRegistryCompliance("HTTP adapter + simulator", () => ({
    registry: new HttpNationalIdRegistry({ baseUrl: simulator.url }),
    citizens: simulator.citizens,
    reportCard: (id, status) => simulator.reportCard(id, status),
    photos,
  }));

  const fast = { attemptTimeoutMs: 300, deadlineMs: 2_000, backoffMs: 5 };
  const queryOf = () => {
    const c = simulator.citizens[0]!;
    return { idNumber: c.idNumber, fullName: c.fullName, dateOfBirth: c.dateOfBirth };
  };
  beforeEach(() => simulator.reset());

  describe("retries", () => {
    it("retries a 500 with the same request id and then answers", async () => {
      const registry = new HttpNationalIdRegistry({ baseUrl: simulator.url, ...fast });
      simulator.injectFaults("SERVER_ERROR");
      expect(codeOf(await registry.checkIdentity(queryOf()))).to.equal("MATCH");
      const stats = simulator.stats();
      expect(stats.requests).to.equal(2);
      expect([...stats.byRequestId.values()]).to.deep.equal([2]);
    });
    it("retries an attempt that hangs past its timeout", async () => {
      const registry = new HttpNationalIdRegistry({ baseUrl: simulator.url, ...fast });
      simulator.injectFaults("HANG");
      expect(codeOf(await registry.checkIdentity(queryOf()))).to.equal("MATCH");
      expect(simulator.stats().requests).to.equal(2);
    });
    it("answers UNAVAILABLE REGISTRY_SERVER_ERROR when every attempt gets 503", async () => {
      const registry = new HttpNationalIdRegistry({ baseUrl: simulator.url, ...fast, maxAttempts: 3 });
      simulator.injectFaults("SERVICE_UNAVAILABLE", "SERVICE_UNAVAILABLE", "SERVICE_UNAVAILABLE");
      const result = await registry.checkIdentity(queryOf());
      expect(codeOf(result)).to.equal("REGISTRY_SERVER_ERROR");
      expect(result.status === "UNAVAILABLE" && result.error.details).to.deep.equal({ status: 503, attempts: 3 });
      expect(simulator.stats().requests).to.equal(3);
    });
    it("survives a seeded random failure rate with retries", async () => {
      const flaky = createRegistrySimulator({ seed: 9, citizens: 50, failureRate: 0.3 });
      await flaky.start();
      try {
        const registry = new HttpNationalIdRegistry({ baseUrl: flaky.url, ...fast, maxAttempts: 5 });
        const c = flaky.citizens[0]!;
        for (let i = 0; i < 10; i++) {
          expect(
            codeOf(
              await registry.checkIdentity({ idNumber: c.idNumber, fullName: c.fullName, dateOfBirth: c.dateOfBirth }),
            ),
          ).to.equal("MATCH");
        }
        expect(flaky.stats().requests).to.be.greaterThan(10);
      } finally {
        await flaky.stop();
      }
    });
  });

  describe("Retry-After and concurrency", () => {
    it("waits as long as the registry's Retry-After asks, within the deadline", async () => {
      const busy = createRegistrySimulator({ seed: 6, citizens: 20, retryAfterSeconds: 1 });
      await busy.start();
      try {
        const c = busy.citizens[0]!;
        const query = { idNumber: c.idNumber, fullName: c.fullName, dateOfBirth: c.dateOfBirth };
        busy.injectFaults("SERVICE_UNAVAILABLE");
        const patient = new HttpNationalIdRegistry({ baseUrl: busy.url, backoffMs: 5, deadlineMs: 3_000 });
        const started = performance.now();
        expect(codeOf(await patient.checkIdentity(query))).to.equal("MATCH");
        expect(performance.now() - started).to.be.greaterThanOrEqual(950);
        busy.injectFaults("SERVICE_UNAVAILABLE");
        const hurried = new HttpNationalIdRegistry({ baseUrl: busy.url, backoffMs: 5, deadlineMs: 300 });
        const t0 = performance.now();
        expect(codeOf(await hurried.checkIdentity(query))).to.equal("REGISTRY_TIMEOUT");
        expect(performance.now() - t0).to.be.lessThan(800);
      } finally {
        await busy.stop();
      }
    });
    it("answers 60 concurrent checks correctly", async () => {
      const registry = new HttpNationalIdRegistry({ baseUrl: simulator.url });
      const people = simulator.citizens.slice(0, 60);
      const results = await Promise.all(
        people.map((c, i) =>
          registry.checkIdentity({
            idNumber: c.idNumber,
            fullName: c.fullName,
            dateOfBirth: i % 2 === 0 ? c.dateOfBirth : "1901-01-01",
          }),
        ),
      );
      results.forEach((r, i) => expect(codeOf(r)).to.equal(i % 2 === 0 ? "MATCH" : "MISMATCH"));
      expect(simulator.stats().requests).to.equal(60);
    });
  });

  describe("deadline", () => {
    it("answers UNAVAILABLE REGISTRY_TIMEOUT when the deadline passes, without waiting for the registry", async () => {
      const registry = new HttpNationalIdRegistry({
        baseUrl: simulator.url,
        attemptTimeoutMs: 1_000,
        deadlineMs: 250,
        backoffMs: 5,
      });
      simulator.injectFaults("HANG", "HANG", "HANG");
      const started = performance.now();
      const result = await registry.checkIdentity(queryOf());
      expect(codeOf(result)).to.equal("REGISTRY_TIMEOUT");
      expect(performance.now() - started).to.be.lessThan(900);
    });
    it("times out on injected latency longer than the attempt timeout", async () => {
      const slow = createRegistrySimulator({ seed: 6, citizens: 20, latencyMs: 300 });
      await slow.start();
      try {
        const registry = new HttpNationalIdRegistry({
          baseUrl: slow.url,
          attemptTimeoutMs: 50,
          deadlineMs: 400,
          maxAttempts: 2,
          backoffMs: 1,
        });
        const c = slow.citizens[0]!;
        const result = await registry.checkIdentity({
          idNumber: c.idNumber,
          fullName: c.fullName,
          dateOfBirth: c.dateOfBirth,
        });
        expect(codeOf(result)).to.equal("REGISTRY_TIMEOUT");
        const patient = new HttpNationalIdRegistry({ baseUrl: slow.url, attemptTimeoutMs: 2_000 });
        expect(
          codeOf(
            await patient.checkIdentity({ idNumber: c.idNumber, fullName: c.fullName, dateOfBirth: c.dateOfBirth }),
          ),
        ).to.equal("MATCH");
      } finally {
        await slow.stop();
      }
    });
    it("answers UNAVAILABLE REGISTRY_ABORTED when the caller cancels", async () => {
      const registry = new HttpNationalIdRegistry({
        baseUrl: simulator.url,
        attemptTimeoutMs: 2_000,
        deadlineMs: 3_000,
      });
      simulator.injectFaults("HANG");
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("customer left")), 50);
      expect(codeOf(await registry.checkIdentity(queryOf(), { signal: controller.signal }))).to.equal(
        "REGISTRY_ABORTED",
      );
      expect(registry.circuitBreaker.state).to.equal("CLOSED");
    });
  });

  describe("responses that break the contract", () => {
    for (const fault of ["MALFORMED", "NOT_JSON", "OVERSIZED"] as const) {
      it(`answers UNAVAILABLE REGISTRY_BAD_RESPONSE for a ${fault} body, without retrying`, async () => {
        const registry = new HttpNationalIdRegistry({ baseUrl: simulator.url, ...fast });
        simulator.injectFaults(fault);
        expect(codeOf(await registry.checkIdentity(queryOf()))).to.equal("REGISTRY_BAD_RESPONSE");
        expect(simulator.stats().requests).to.equal(1);
      });
    }
    it("the simulator itself rejects a request that breaks the schema with 400", async () => {
      const response = await fetch(new URL("/v1/identity/check", simulator.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ idNumber: "1", fullName: "X", dateOfBirth: "bad", extra: "<script>" }),
      });
      expect(response.status).to.equal(400);
    });
    it("the simulator rejects a wire portrait that is not base64 of a JPEG or PNG with 400", async () => {
      const c = simulator.citizens[0]!;
      const send = (portrait: string) =>
        fetch(new URL("/v1/identity/check", simulator.url), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ idNumber: c.idNumber, fullName: c.fullName, dateOfBirth: c.dateOfBirth, portrait }),
        });
      expect((await send("not base64!")).status).to.equal(400);
      const notAnImage = await send(Buffer.from("GIF89a not allowed").toString("base64"));
      expect(notAnImage.status).to.equal(400);
      expect(((await notAnImage.json()) as { code: string }).code).to.equal("INVALID_ARGUMENT");
    });
    it("reads a MATCH that does not say the face was compared as faceCompared: false", async () => {
      // A registry on an older contract: it answers the fields and ignores the portrait.
      const server = createHttpServer((_request, response) => {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "MATCH" }));
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      try {
        const { port } = server.address() as { port: number };
        const registry = new HttpNationalIdRegistry({ baseUrl: `http://127.0.0.1:${port}`, ...fast });
        const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#000" } })
          .png()
          .toBuffer();
        expect(await registry.checkIdentity({ ...queryOf(), portrait: new Uint8Array(png) })).to.deep.equal({
          status: "MATCH",
          faceCompared: false,
        });
        expect(await registry.checkIdentity(queryOf())).to.deep.equal({ status: "MATCH" });
      } finally {
        await new Promise<void>((r) => server.close(() => r()));
      }
    });
  });

  describe("circuit breaker", () => {
    it("opens after consecutive failures, refuses without calling, then closes after a good trial", async () => {
      let now = 0;
      const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1_000, now: () => now });
      const registry = new HttpNationalIdRegistry({
        baseUrl: simulator.url,
        ...fast,
        maxAttempts: 1,
        circuitBreaker: breaker,
      });
      simulator.injectFaults("SERVER_ERROR", "SERVER_ERROR");
      expect(codeOf(await registry.checkIdentity(queryOf()))).to.equal("REGISTRY_SERVER_ERROR");
      expect(codeOf(await registry.checkIdentity(queryOf()))).to.equal("REGISTRY_SERVER_ERROR");
      expect(breaker.state).to.equal("OPEN");
      const refused = await registry.checkIdentity(queryOf());
      expect(codeOf(refused)).to.equal("REGISTRY_CIRCUIT_OPEN");
      expect(simulator.stats().requests).to.equal(2);
      now = 1_000;
      expect(breaker.state).to.equal("HALF_OPEN");
      expect(codeOf(await registry.checkIdentity(queryOf()))).to.equal("MATCH");
      expect(breaker.state).to.equal("CLOSED");
    });
  });

  describe("network", () => {
    it("answers UNAVAILABLE REGISTRY_NETWORK_ERROR when nothing listens", async () => {
      const registry = new HttpNationalIdRegistry({
        baseUrl: `http://127.0.0.1:${await unusedPort()}`,
        ...fast,
        maxAttempts: 2,
      });
      expect(codeOf(await registry.checkIdentity(queryOf()))).to.equal("REGISTRY_NETWORK_ERROR");
    });
    it("rejects a base URL that is not http(s)", () => {
      expect(() => new HttpNationalIdRegistry({ baseUrl: "ftp://registry" }))
        .to.throw()
        .with.property("code", "INVALID_ARGUMENT");
      expect(() => new HttpNationalIdRegistry({ baseUrl: "not a url" }))
        .to.throw()
        .with.property("code", "INVALID_ARGUMENT");
      expect(() => new HttpNationalIdRegistry({ baseUrl: "http://x", maxAttempts: 0 }))
        .to.throw()
        .with.property("code", "INVALID_ARGUMENT");
    });
  });
});
