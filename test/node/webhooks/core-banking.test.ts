/**
 * The core-banking handoff as the node wires it: each use case core banking must hear about queues a
 * signed webhook that a real receiver verifies (ids and outcomes, no personal data); the verified
 * identity is read from a real vault, each read audited; account closure starts retention and the
 * scheduled sweep shreds the record at its deadline; the API serves both to their roles only.
 */
import { collectionConsent } from "@kycnet/sdk/customer";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { expect } from "chai";
import type { Hex } from "@kycnet/sdk/protocol";
import { openWebhooks } from "../../../node/src/composition/webhooks.ts";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { createLogger } from "../../../node/src/observability/logger.ts";
import { createMetrics } from "../../../node/src/observability/metrics.ts";
import { createCoreBankingRecords } from "../../../node/src/onboarding/adapters/core-banking-records.ts";
import { createAuditLog } from "../../../node/src/vault/audit-log.ts";
import { createRetentionSchedule } from "../../../node/src/vault/retention-schedule.ts";
import { createMemoryRecordStore } from "../../../node/src/vault/store/memory/memory-record-store.ts";
import { createVault } from "../../../node/src/vault/vault.ts";
import { createFakeServices } from "../api/fakes.ts";
import { createHarness } from "../api/harness.ts";
import { expectCode } from "../../support/expect-code.ts";
import { verifiedRecord } from "../vault/fixtures.ts";
import { newSecret, startReceiver } from "./receiver.ts";

const CONTEXT = { chainId: 31337n, registry: `0x${"11".repeat(20)}` as Hex, issuer: `0x${"22".repeat(20)}` as Hex };
const hex32 = (byte: string) => `0x${byte.repeat(32)}` as Hex;

describe("core banking: webhooks on use cases, the verified identity, account closure", function () {
  this.timeout(30_000);

  it("queues a verified webhook for a decision, a review outcome, a revocation and a consent revoked, ids only", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kycnet-cb-"));
    const secret = newSecret();
    const receiver = await startReceiver(secret);
    const logLines: string[] = [];
    const logger = createLogger(
      { level: "info" },
      new Writable({
        write(chunk, _encoding, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    );
    const store = createMemoryRecordStore();
    try {
      writeFileSync(join(dir, "webhook.secret"), `${secret}\n`, { mode: 0o600 });
      const settings = {
        url: receiver.url,
        secretFile: join(dir, "webhook.secret"),
        timeoutMs: 2_000,
        maxAttempts: 5,
        baseBackoffMs: 20,
        maxBackoffMs: 200,
      };
      const webhooks = await openWebhooks(settings, {
        store,
        audit: createAuditLog(store),
        metrics: createMetrics({ processMetrics: false }),
        logger,
        pollMs: 20,
      });
      const fakes = createFakeServices();
      const services = webhooks.withEvents({ ...fakes, webhooks: webhooks.admin });
      webhooks.delivery!.start();
      try {
        const { sessionId } = await services.onboarding.createSession(`0x${"33".repeat(20)}`);
        await services.onboarding.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
        await services.onboarding.uploadDocument(sessionId, "front", new Uint8Array([1]), "image/jpeg");
        await services.onboarding.uploadDocument(sessionId, "back", new Uint8Array([1]), "image/jpeg");
        const { challengeId } = await services.onboarding.createLivenessChallenge(sessionId);
        await services.onboarding.uploadSelfieFrames(sessionId, challengeId, []);
        const decision = await services.onboarding.decide(sessionId);
        await services.onboarding.decide(sessionId); // the same decision again: no second webhook

        const reviewCase = fakes.review.open("ses_review", []);
        await services.review.claim(reviewCase.caseId, "reviewer-1");
        await services.review.approve(reviewCase.caseId, "reviewer-1", "documents checked");

        fakes.ledger.attestations.set(hex32("aa"), "VALID");
        await services.attestations.revoke(hex32("aa"), "CUSTOMER_REQUEST");
        await services.consents.relayRevocation(
          { consentId: hex32("cc"), nonce: "1", deadline: "9999999999" },
          `0x${"00".repeat(65)}`,
        );

        await receiver.waitFor(4);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(receiver.rejected).to.equal(0);
        const byType = new Map(receiver.received.map((w) => [w.payload.type, w.payload.data]));
        expect([...byType.keys()].sort()).to.deep.equal([
          "attestation.revoked",
          "consent.revoked",
          "onboarding.decided",
          "review.resolved",
        ]);
        expect(byType.get("onboarding.decided")).to.deep.include({
          sessionId,
          outcome: "PASS",
          attestationUid: decision.attestationUid,
        });
        expect(byType.get("review.resolved")).to.deep.include({ caseId: reviewCase.caseId, outcome: "APPROVED" });
        expect(byType.get("attestation.revoked")).to.deep.include({
          attestationUid: hex32("aa"),
          reason: "CUSTOMER_REQUEST",
        });
        expect(byType.get("consent.revoked")).to.deep.include({ consentId: hex32("cc") });
        expect(receiver.requests).to.have.length(4);

        const page = await services.webhooks.list({ limit: 50 });
        expect(page.counts).to.deep.equal({ PENDING: 0, DELIVERED: 4, DEAD: 0 });
        expect(logLines.join("")).not.to.include(secret.slice(6));
      } finally {
        await webhooks.delivery!.stop();
      }
    } finally {
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses to start on a secret file that is missing or not whsec_<base64>, without printing it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kycnet-cb-"));
    const store = createMemoryRecordStore();
    const deps = {
      store,
      audit: createAuditLog(store),
      metrics: createMetrics({ processMetrics: false }),
      logger: createLogger({ level: "silent" }),
    };
    const settings = (secretFile: string) => ({
      url: "http://127.0.0.1:9/hook",
      secretFile,
      timeoutMs: 1_000,
      maxAttempts: 1,
      baseBackoffMs: 10,
      maxBackoffMs: 10,
    });
    try {
      await expectCode(openWebhooks(settings(join(dir, "absent")), deps), "CONFIG_INVALID");
      writeFileSync(join(dir, "bad"), "hunter2-not-a-secret");
      const error = await expectCode(openWebhooks(settings(join(dir, "bad")), deps), "CONFIG_INVALID");
      expect(JSON.stringify(error)).not.to.include("hunter2");
      expect(error.message).not.to.include("hunter2");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("the verified identity from a real vault", () => {
    async function vaultWithRecord(clock: () => Date = () => new Date()) {
      const store = createMemoryRecordStore();
      const audit = createAuditLog(store);
      const vault = createVault({ store, keys: new MemoryKeyManager(), audit, attestationContext: CONTEXT, clock });
      const { record, attestation } = verifiedRecord(7);
      const meta = await vault.storeVerifiedRecord({
        record,
        attestation: attestation(BigInt(Math.floor(Date.now() / 1000))),
        actor: "test",
      });
      return { vault, audit, meta, record, records: createCoreBankingRecords(vault, clock) };
    }

    it("returns the committed fields without the face template, and audits each read with the reader", async () => {
      const { audit, meta, record, records } = await vaultWithRecord();
      const identity = await records.readIdentity(meta.uid, "core-1");
      expect(identity).to.include({ uid: meta.uid, status: "ACTIVE", anchored: false });
      const { faceTemplate: _template, ...expected } = record.fields;
      expect(identity.fields).to.deep.equal(expected);
      expect(identity.fields).not.to.have.property("faceTemplate");
      await records.readIdentity(meta.uid, "core-2");
      const opened = (await audit.list()).filter((e) => e.action === "record.opened");
      expect(opened.map((e) => [e.actor, e.target, e.details?.purpose])).to.deep.equal([
        ["core-1", meta.id, "core-banking"],
        ["core-2", meta.id, "core-banking"],
      ]);
    });

    it("refuses an unknown uid; closes an account (never in the future, never lowering the class); the sweep shreds at the deadline", async () => {
      let now = new Date("2027-01-10T00:00:00Z");
      const clock = () => now;
      const { vault, meta, records } = await vaultWithRecord(clock);
      await expectCode(records.readIdentity(hex32("ee"), "core-1"), "RECORD_NOT_FOUND");

      await expectCode(
        records.closeAccount(meta.uid, { closedAt: new Date("2027-02-01T00:00:00Z") }, "core-1"),
        "INVALID_ARGUMENT",
      );
      const closed = await records.closeAccount(
        meta.uid,
        { closedAt: new Date("2027-01-01T00:00:00Z"), retentionClass: "LARGE_OR_SUSPICIOUS" },
        "core-1",
      );
      expect(closed).to.deep.equal({
        uid: meta.uid,
        closedAt: "2027-01-01T00:00:00.000Z",
        retentionClass: "LARGE_OR_SUSPICIOUS",
        retainUntil: "2037-01-01T00:00:00.000Z",
      });
      await expectCode(records.closeAccount(meta.uid, { retentionClass: "STANDARD" }, "core-1"), "INVALID_ARGUMENT");

      const schedule = createRetentionSchedule({ vault, intervalMs: 60_000, clock });
      expect(await schedule.sweepNow()).to.deep.equal([]);
      await records.readIdentity(meta.uid, "core-1");
      now = new Date("2037-01-01T00:00:00Z");
      schedule.start();
      try {
        for (let i = 0; i < 200 && schedule.lastSweep()?.getTime() !== now.getTime(); i++)
          await new Promise((resolve) => setTimeout(resolve, 10));
      } finally {
        await schedule.stop();
      }
      expect(schedule.lastSweep()).to.deep.equal(now);
      await expectCode(records.readIdentity(meta.uid, "core-1"), "RECORD_SHREDDED");
    });

    it("does not hand out a record still in review", async () => {
      const store = createMemoryRecordStore();
      const vault = createVault({
        store,
        keys: new MemoryKeyManager(),
        audit: createAuditLog(store),
        attestationContext: CONTEXT,
      });
      const { record, attestation } = verifiedRecord(8);
      const meta = await vault.storeVerifiedRecord({
        record,
        attestation: attestation(1_800_000_000n),
        actor: "t",
        hold: true,
      });
      await expectCode(createCoreBankingRecords(vault).readIdentity(meta.uid, "core-1"), "RECORD_STATE_CONFLICT");
    });
  });

  describe("over HTTP", () => {
    it("serves the identity to the core-banking role only, and the webhook outbox to operators only", async () => {
      const h = await createHarness();
      try {
        const uid = hex32("ab");
        h.services.records.identities.set(uid, {
          uid,
          status: "ACTIVE",
          anchored: true,
          verifiedAt: new Date().toISOString(),
          fields: {
            idNumber: "001203012345",
            oldIdNumber: "",
            fullName: "NGUYỄN VĂN THỬ",
            dateOfBirth: "1990-01-31",
            sex: "M",
            nationality: "VNM",
            address: "1 Tràng Tiền, Hà Nội",
            issueDate: "2021-01-01",
            expiryDate: "2036-01-31",
            documentType: "CCCD",
          },
        });
        const read = (role: "operator" | "reviewer" | "auditor" | "core-banking", at = uid) =>
          h.app.inject({ method: "GET", url: `/v1/records/${at}`, headers: h.auth(role) });
        const ok = await read("core-banking");
        expect(ok.statusCode).to.equal(200);
        expect(ok.json<{ fields: { idNumber: string } }>().fields.idNumber).to.equal("001203012345");
        expect(h.services.records.reads).to.deep.equal([{ uid, reader: "core-banking-1" }]);
        for (const role of ["operator", "reviewer", "auditor"] as const)
          expect((await read(role)).statusCode).to.equal(403);
        const missing = await read("core-banking", hex32("cd"));
        expect(missing.statusCode).to.equal(404);
        expect(missing.json<{ code: string }>().code).to.equal("RECORD_NOT_FOUND");
        expect((await read("core-banking", "0x1234" as Hex)).statusCode).to.equal(400);
        // Personal data is in the response body only, never in the log.
        expect(h.logText()).not.to.include("001203012345");

        const list = (role: "operator" | "core-banking", query = "") =>
          h.app.inject({ method: "GET", url: `/v1/webhooks/messages${query}`, headers: h.auth(role) });
        expect((await list("operator", "?status=DEAD&limit=5")).statusCode).to.equal(200);
        expect((await list("core-banking")).statusCode).to.equal(403);
        expect((await list("operator", "?status=LOST")).statusCode).to.equal(400);
        const redrive = await h.app.inject({
          method: "POST",
          url: `/v1/webhooks/messages/msg_${"0".repeat(32)}/redrive`,
          headers: h.auth("operator"),
        });
        expect(redrive.statusCode).to.equal(404);
        expect(redrive.json<{ code: string }>().code).to.equal("WEBHOOK_NOT_FOUND");
      } finally {
        await h.app.close();
      }
    });
  });
});
