/**
 * The node's byte budget for uploaded images (issue 18, item 6). Images live sealed in the vault's
 * store (stored-sessions.ts), so the budget bounds what the process holds at once: uploads being
 * sealed and written, and images opened for a decision. An upload past it gets 503
 * UPLOAD_BUDGET_FULL with Retry-After and changes nothing. The memory test sends 24 sessions × 2
 * card images of the maximum size (8 MiB) through the real HTTP app, the real onboarding use case
 * and a LevelDB vault, and measures the process's RSS: it no longer grows with the images stored.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { createStoredSessions } from "../../../node/src/onboarding/adapters/stored-sessions.ts";
import type { SessionStore } from "../../../node/src/onboarding/sessions.ts";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import { createMemoryRecordStore } from "../../../node/src/vault/store/memory/memory-record-store.ts";
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
  it("bounds the image bytes in flight: what would pass the budget is refused without changing anything", async () => {
    // Sealing waits on `sealing` (a slow HSM): the first upload holds its bytes meanwhile.
    const keys = new MemoryKeyManager();
    let sealing: Promise<void> = Promise.resolve();
    const sealRecord = keys.sealRecord.bind(keys);
    keys.sealRecord = async (...args) => (await sealing, sealRecord(...args));
    const sessions = createStoredSessions({ store: createMemoryRecordStore(), keys, uploadBudgetBytes: 100 });
    const a = await sessions.create(subject());
    const b = await sessions.create(subject());
    let release!: () => void;
    sealing = new Promise((resolve) => (release = resolve));
    const first = sessions.holdImages(a, { front: new Uint8Array(60) });
    expect(sessions.heldBytes).to.equal(60);
    await expectCode(sessions.holdImages(b, { front: new Uint8Array(50) }), "UPLOAD_BUDGET_FULL");
    expect((await sessions.get(b.id)).images).to.equal(undefined);
    release();
    await first;
    // Stored, the images are no longer in the process: the budget is free again.
    expect(sessions.heldBytes).to.equal(0);
    await sessions.holdImages(b, { front: new Uint8Array(50) });
    await sessions.holdImages(a, { back: new Uint8Array(100) });
    expect((await sessions.get(a.id)).images).to.deep.equal({ front: 60, back: 100 });
    // A decision opens its session's images within the budget too.
    const tight = createStoredSessions({ store: createMemoryRecordStore(), keys, uploadBudgetBytes: 100 });
    const c = await tight.create(subject());
    await tight.holdImages(c, { front: new Uint8Array(60) });
    await tight.decideOnce(c.id, async () => {
      expect(tight.heldBytes).to.equal(60);
      await expectCode(
        tight.holdImages(await tight.create(subject()), { front: new Uint8Array(50) }),
        "UPLOAD_BUDGET_FULL",
      );
      return { outcome: "REJECT", reasons: [], assuranceLevel: 0 };
    });
    expect(tight.heldBytes).to.equal(0);
  });

  it("keeps 24 sessions × 2 maximum-size images out of the process: stored sealed, RSS within the budget's bound", async function () {
    this.timeout(120_000);
    const budget = 64 * MiB;
    const dir = await mkdtemp(join(tmpdir(), "kycnet-budget-"));
    const store = await openLevelRecordStore(join(dir, "vault"));
    const sessions = createStoredSessions({ store, keys: new MemoryKeyManager(), uploadBudgetBytes: budget });
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
      // One upload at a time: each fits the budget, and none stays in the process once stored.
      expect(accepted).to.equal(48);
      expect(refused).to.equal(0);
      expect(sessions.heldBytes).to.equal(0);
      // 48 × 8 MiB = 384 MiB were sent and stored; what stays is at most the budget plus garbage not yet collected.
      expect(rssGrowth, `RSS grew by ${(rssGrowth / MiB).toFixed(0)} MiB`).to.be.below(budget + 160 * MiB);
    } finally {
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("says UPLOAD_BUDGET_FULL through the use case, so the API maps it to 503", async () => {
    const sessions = createStoredSessions({
      store: createMemoryRecordStore(),
      keys: new MemoryKeyManager(),
      uploadBudgetBytes: 10,
    });
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
