import { createServer, type Server } from "node:http";
import { once } from "node:events";
import { expect } from "chai";
import { buildApp } from "../../../node/src/api/app.ts";
import { generateApiKey } from "../../../node/src/api/auth.ts";
import { apiConfig } from "../../../node/src/api/config.ts";
import { startServer, type RunningServer } from "../../../node/src/api/server.ts";
import type { ApiServices } from "../../../node/src/onboarding/ports.ts";
import { createLogger } from "../../../node/src/observability/logger.ts";
import { createMetrics } from "../../../node/src/observability/metrics.ts";
import { BankApiError, createBankClient } from "@kycnet/sdk/bank";
import { BANK_API_ROUTES } from "@kycnet/sdk/bank";
import { KycnetError } from "@kycnet/sdk/errors";
import type { Hex } from "@kycnet/sdk/protocol";

const UID = `0x${"ab".repeat(32)}` as Hex;
const unused = async (): Promise<never> => {
  throw new Error("not used in this test");
};

describe("sdk/bank client", () => {
  let server: RunningServer;
  const operator = generateApiKey("ops-1", "operator");
  const auditor = generateApiKey("aud-1", "auditor");
  before(async () => {
    const services = {
      onboarding: {
        createSession: unused,
        createReuseSession: unused,
        uploadDocument: unused,
        createLivenessChallenge: unused,
        uploadSelfieFrames: unused,
        decide: unused,
        getSession: unused,
      },
      review: { list: unused, claim: unused, approve: unused, reject: unused },
      ledger: {
        attestationStatus: async (uid: Hex) => {
          if (uid === UID) return { uid, status: "VALID" as const, checkedAt: new Date().toISOString() };
          throw new KycnetError("ATTESTATION_NOT_FOUND", "no such attestation");
        },
        consentStatus: async (consentId: Hex) => ({
          consentId,
          status: "NONE" as const,
          checkedAt: new Date().toISOString(),
        }),
      },
      attestations: { revoke: unused },
      audit: { append: async () => undefined },
    } as unknown as ApiServices;
    const app = await buildApp(
      {
        services,
        metrics: createMetrics({ processMetrics: false }),
        logger: createLogger({ level: "silent" }),
        readinessChecks: [],
      },
      apiConfig({ apiKeys: [operator.entry, auditor.entry] }),
    );
    server = await startServer(app, { host: "127.0.0.1", port: 0 });
  });
  after(async () => server?.stop());

  it("calls only operations the node's OpenAPI document serves, with the same method and path", async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    for (const [operationId, route] of Object.entries(BANK_API_ROUTES)) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(op?.operationId, `${route.method} ${route.path}`).to.equal(operationId);
    }
  });

  it("returns typed bodies and maps problem+json answers to BankApiError with the API code", async () => {
    const client = createBankClient({ baseUrl: server.url, apiKey: auditor.key });
    expect((await client.attestationStatus(UID)).status).to.equal("VALID");
    const notFound = await client.attestationStatus(`0x${"cd".repeat(32)}` as Hex).catch((e: unknown) => e);
    expect(notFound).to.be.instanceOf(BankApiError);
    expect(notFound).to.include({ code: "ATTESTATION_NOT_FOUND", status: 404 });
    const badKey = await createBankClient({ baseUrl: server.url, apiKey: "kyc_wrong-key-wrong-key-wrong-key-wrong" })
      .consentStatus(UID)
      .catch((e: unknown) => e);
    expect((badKey as BankApiError).status).to.equal(401);
    const forbidden = await client.revokeAttestation(UID, "FRAUD_SUSPECTED").catch((e: unknown) => e);
    expect((forbidden as BankApiError).status).to.equal(403);
  });

  describe("when the node is briefly unavailable", () => {
    let flaky: Server;
    let calls = 0;
    before(async () => {
      flaky = createServer((_req, res) => {
        calls += 1;
        if (calls < 3) {
          res
            .writeHead(503, { "content-type": "application/problem+json" })
            .end(JSON.stringify({ code: "SERVICE_UNAVAILABLE", status: 503, title: "busy", detail: "busy" }));
        } else {
          res
            .writeHead(200, { "content-type": "application/json" })
            .end(JSON.stringify({ uid: UID, status: "PENDING", checkedAt: new Date().toISOString() }));
        }
      }).listen(0, "127.0.0.1");
      await once(flaky, "listening");
    });
    after(() => flaky.close());

    it("retries idempotent reads and succeeds; does not retry a non-idempotent write", async () => {
      const port = (flaky.address() as { port: number }).port;
      const client = createBankClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: "k", attempts: 3 });
      expect((await client.attestationStatus(UID)).status).to.equal("PENDING");
      expect(calls).to.equal(3);
      calls = 0;
      const error = await client.createSession(`0x${"11".repeat(20)}` as Hex).catch((e: unknown) => e);
      expect((error as BankApiError).code).to.equal("SERVICE_UNAVAILABLE");
      expect(calls).to.equal(1);
    });

    it("reports an unreachable node as NODE_UNREACHABLE", async () => {
      const error = await createBankClient({ baseUrl: "http://127.0.0.1:1", apiKey: "k", attempts: 1 })
        .consentStatus(UID)
        .catch((e: unknown) => e);
      expect((error as BankApiError).code).to.equal("NODE_UNREACHABLE");
    });
  });
});
