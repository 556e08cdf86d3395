/**
 * The node's byte budget for uploaded images (issue 18, item 6): the images all open sessions hold
 * stay within `uploadBudgetBytes`; an upload past it gets 503 UPLOAD_BUDGET_FULL with Retry-After
 * and changes nothing; images dropped at decision or with an expired session free the budget. The
 * memory test sends 24 sessions × 2 card images of the maximum size (8 MiB) through the real HTTP
 * app and the real onboarding use case, and measures the process's RSS.
 */
import { collectionConsent } from "@kycnet/sdk/customer";
import { expect } from "chai";
import { Wallet } from "ethers";
import { buildApp } from "../../../node/src/api/app.ts";
import { generateApiKey } from "../../../node/src/api/auth.ts";
import { apiConfig, DEFAULT_BODY_LIMITS } from "../../../node/src/api/config.ts";
import { ChallengeIssuer } from "../../../node/src/ekyc/biometrics/index.ts";
import { createLogger } from "../../../node/src/observability/logger.ts";
import { createMetrics } from "../../../node/src/observability/metrics.ts";
import { createOnboardingService, type OnboardingDeps } from "../../../node/src/onboarding/onboarding-service.ts";
import { createSessionStore, type SessionStore } from "../../../node/src/onboarding/sessions.ts";
import { expectCode } from "../../support/expect-code.ts";
import { createFakeServices } from "../api/fakes.ts";

const MiB = 1024 * 1024;
const subject = () => Wallet.createRandom().address as `0x${string}`;
/** A body that passes the JPEG sniff; the use case stores it without decoding it. */
const jpegOf = (bytes: number) => {
  const image = Buffer.alloc(bytes, 0x5a);
  image.set([0xff, 0xd8, 0xff, 0xe0]);
  return image;
};

/** Everything but the sessions is unused here (no decision is made): touching it fails the test. */
const unused = new Proxy(
  {},
  {
    get(_target, name) {
      throw new Error(`not used by this test: ${String(name)}`);
    },
  },
) as never;

/** The real use case over `sessions`; its other ports are `unused`. */
const onboardingOver = (sessions: SessionStore) =>
  createOnboardingService(
    Object.assign(Object.create(unused) as OnboardingDeps, {
      sessions,
      challenges: new ChallengeIssuer(),
      clock: () => new Date(),
    }),
  );

describe("node/onboarding upload byte budget", () => {
  it("holds images within the budget, refuses what would pass it without changing anything, and frees at expiry", () => {
    let now = 0;
    const sessions = createSessionStore({ uploadBudgetBytes: 100, ttlMs: 1_000, clock: () => now });
    const a = sessions.create(subject());
    const b = sessions.create(subject());
    sessions.holdImages(a, { front: new Uint8Array(60) });
    expect(() => sessions.holdImages(b, { front: new Uint8Array(50) }))
      .to.throw()
      .with.property("code", "UPLOAD_BUDGET_FULL");
    expect(b.front).to.equal(undefined);
    sessions.holdImages(a, { front: new Uint8Array(30) }); // a replacement counts once
    sessions.holdImages(b, { front: new Uint8Array(50) });
    expect(sessions.heldBytes).to.equal(80);
    delete a.front; // what the decision does with the images
    expect(sessions.heldBytes).to.equal(50);
    now = 2_000; // b expired
    expect(sessions.heldBytes).to.equal(0);
  });

  it("keeps 24 sessions × 2 maximum-size images under the budget's memory bound: 503 with Retry-After past it", async function () {
    this.timeout(120_000);
    const budget = 64 * MiB;
    const sessions = createSessionStore({ uploadBudgetBytes: budget });
    const onboarding = onboardingOver(sessions);
    const operator = generateApiKey("operator-1", "operator");
    const app = await buildApp(
      {
        services: { ...createFakeServices(), onboarding },
        metrics: createMetrics({ processMetrics: false }),
        logger: createLogger({ level: "silent" }),
        readinessChecks: [],
      },
      apiConfig({ apiKeys: [operator.entry] }),
    );
    const headers = { authorization: `Bearer ${operator.key}` };
    const image = jpegOf(DEFAULT_BODY_LIMITS.documentBytes);
    const rssBefore = process.memoryUsage().rss;
    let accepted = 0;
    let refused = 0;
    try {
      for (let i = 0; i < 24; i++) {
        const created = await app.inject({
          method: "POST",
          url: "/v1/onboarding/sessions",
          headers,
          payload: { subject: subject() },
        });
        const { sessionId } = created.json<{ sessionId: string }>();
        await app.inject({
          method: "POST",
          url: `/v1/onboarding/sessions/${sessionId}/collection-consent`,
          headers,
          payload: collectionConsent({ version: "test-notice-1" }),
        });
        for (const side of ["front", "back"]) {
          const response = await app.inject({
            method: "PUT",
            url: `/v1/onboarding/sessions/${sessionId}/documents/${side}`,
            headers: { ...headers, "content-type": "image/jpeg" },
            payload: image,
          });
          if (response.statusCode === 200) accepted++;
          else {
            expect(response.statusCode, response.body).to.equal(503);
            expect(response.headers["retry-after"]).to.match(/^\d+$/);
            expect(response.headers["content-type"]).to.contain("application/problem+json");
            expect(response.json<{ code: string }>().code).to.equal("UPLOAD_BUDGET_FULL");
            refused++;
          }
        }
      }
      const rssGrowth = process.memoryUsage().rss - rssBefore;
      expect(accepted).to.equal(Math.floor(budget / image.byteLength));
      expect(refused).to.equal(48 - accepted);
      expect(sessions.heldBytes).to.be.at.most(budget);
      // 48 × 8 MiB = 384 MiB were sent; what stays is the budget plus garbage not yet collected.
      expect(rssGrowth, `RSS grew by ${(rssGrowth / MiB).toFixed(0)} MiB`).to.be.below(budget + 160 * MiB);
    } finally {
      await app.close();
    }
  });

  it("says UPLOAD_BUDGET_FULL through the use case, so the API maps it to 503", async () => {
    const sessions = createSessionStore({ uploadBudgetBytes: 10 });
    const onboarding = onboardingOver(sessions);
    const { sessionId } = await onboarding.createSession(subject());
    await onboarding.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
    await expectCode(
      onboarding.uploadDocument(sessionId, "front", new Uint8Array(11), "image/jpeg"),
      "UPLOAD_BUDGET_FULL",
    );
    expect((await onboarding.getSession(sessionId)).documents.front).to.equal(false);
  });
});
