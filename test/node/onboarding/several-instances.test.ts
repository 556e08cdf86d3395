/**
 * What several instances of one bank's node share through the store (issue 20), on a real
 * PostgreSQL with two instances, each with its own pool, as two processes would have:
 * - the chip's active-authentication challenge lives in the session and is consumed by a
 *   compare-and-set there: the same answer sent to both instances at once is taken once (and, by
 *   the same port, twice at once to one LevelDB node);
 * - no double decision after a takeover: an instance that stored the record and died before storing
 *   the session's decision leaves the decision kept with the record; the instance that takes the
 *   claim over finishes the session with it (one record, one attestation, one outbox entry), and two
 *   live instances racing to keep a record for one session keep one;
 * - the liveness check's memory of earlier sessions' frames is in the store, sealed: a recording
 *   replayed at instance 2 after instance 1 saw it is refused (FRAMES_SEEN_BEFORE, through the real
 *   face models), bounded in number and in time;
 * - the duplicate-identity index: a face instance 1 stored after instance 2 started is found by
 *   instance 2 under another number (it follows the shared audit log).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectionConsent } from "@kycnet/sdk/customer";
import { Method, type Hex } from "@kycnet/sdk/protocol";
import { expect } from "chai";
import { Wallet, ZeroHash } from "ethers";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import type { FaceModel, SelfieVerification } from "../../../node/src/ekyc/biometrics/index.ts";
import { verifyChallenge, type Challenge } from "../../../node/src/ekyc/biometrics/liveness/challenge.ts";
import { loadThresholds } from "../../../node/src/ekyc/biometrics/matching.ts";
import { RULES_V1 } from "../../../node/src/ekyc/decision/rule-set.ts";
import type { DecisionResult } from "../../../node/src/ekyc/decision/types.ts";
import { CscaTrustStore } from "../../../node/src/ekyc/document/chip/trust-store.ts";
import { createDuplicateIdentities } from "../../../node/src/onboarding/duplicate-identities.ts";
import { createStoredFrameMemory } from "../../../node/src/onboarding/adapters/stored-frame-memory.ts";
import { DESCRIPTOR_LENGTH } from "../../../node/src/ekyc/biometrics/liveness/frame-descriptor.ts";
import { createStoredSessions } from "../../../node/src/onboarding/adapters/stored-sessions.ts";
import { createOnboardingService, type OnboardingDeps } from "../../../node/src/onboarding/onboarding-service.ts";
import type { ChipUploadInput, OnboardingDecision } from "../../../node/src/onboarding/ports.ts";
import { keepDecision, type CheckedSession } from "../../../node/src/onboarding/record-keeping.ts";
import type { EvidenceInHand } from "../../../node/src/onboarding/review/case-evidence.ts";
import { createReviewQueue } from "../../../node/src/onboarding/review/review-queue.ts";
import type { Session, SessionStore } from "../../../node/src/onboarding/sessions.ts";
import { createAuditLog } from "../../../node/src/vault/audit-log.ts";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import { openPostgresRecordStore } from "../../../node/src/vault/store/postgres/postgres-record-store.ts";
import type { RecordStore, StoredValue, WriteOp } from "../../../node/src/vault/store/record-store.ts";
import { sealedToJson } from "../../../node/src/vault/codec.ts";
import { createVault } from "../../../node/src/vault/vault.ts";
import { answerChallenge } from "../../../scripts/chip/aa.ts";
import { recode } from "../../../scripts/faces/attacks.ts";
import { framesFor } from "../../../scripts/faces/synthetic-frames.ts";
import { sharedOnnxModel, stillFace } from "../ekyc/biometrics/helpers.ts";
import { createTestPki, generateChip, type GeneratedChip } from "../../../scripts/chip/generate.ts";
import { expectCode } from "../../support/expect-code.ts";
import { personFields, verifiedRecord } from "../vault/fixtures.ts";
import { createTestDatabase } from "../../support/postgres.ts";

/** The chain an instance's vault computes attestation uids for (never reached here). */
const attestationContext = {
  chainId: 1n,
  registry: `0x${"11".repeat(20)}` as Hex,
  issuer: `0x${"22".repeat(20)}` as Hex,
};
const subject = () => Wallet.createRandom().address as Hex;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** Everything these tests do not reach: touching it fails the test. */
const unused = new Proxy(
  {},
  {
    get(_target, name) {
      throw new Error(`not used by this test: ${String(name)}`);
    },
  },
) as never;
const depsOf = (parts: Partial<OnboardingDeps>): OnboardingDeps =>
  Object.assign(Object.create(unused) as OnboardingDeps, parts);

/** Keys written under `prefix`. */
async function keysUnder(store: RecordStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const [key] of store.range({ prefix })) keys.push(key);
  return keys;
}

describe("node/onboarding: several instances on one PostgreSQL", function () {
  this.timeout(120_000);
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });
  /** One instance's own pool on the shared database. */
  const instanceStore = async (connectionString: string) => {
    const store = await openPostgresRecordStore({ connectionString });
    cleanup.push(() => store.close());
    return store;
  };

  describe("the chip's active-authentication challenge", () => {
    let chip: GeneratedChip;
    let trust: CscaTrustStore;
    // Inside the generated certificates' validity.
    const start = Date.parse("2026-06-01T00:00:00Z");
    /** The onboarding use cases with only what the chip step needs (the CSCA trust list, the sessions). */
    const chipOnboarding = (sessions: SessionStore, now: () => number) =>
      createOnboardingService(
        depsOf({
          sessions,
          chip: { trust },
          clock: () => new Date(now()),
          observeStage: undefined,
        } as Partial<OnboardingDeps>),
      );
    before(async () => {
      const pki = createTestPki("ecdsa");
      trust = new CscaTrustStore();
      trust.addCertificate(pki.csca.certificate);
      chip = await generateChip({ index: 3, seed: 20_261_207, pki, variant: "valid" });
    });

    it("is consumed once on LevelDB too (one process): the same answer sent twice at once is taken once", async () => {
      const dir = await mkdtemp(join(tmpdir(), "kycnet-chip-challenge-"));
      cleanup.push(() => rm(dir, { recursive: true, force: true }));
      const store = await openLevelRecordStore(join(dir, "vault"));
      cleanup.push(() => store.close());
      const now = start;
      const sessions = createStoredSessions({ store, keys: new MemoryKeyManager(), clock: () => now });
      const onboarding = chipOnboarding(sessions, () => now);
      const { sessionId } = await onboarding.createSession(subject());
      await onboarding.recordCollectionConsent(sessionId, collectionConsent({ version: "n-1", chip: true }));
      const challenge = new Uint8Array(Buffer.from((await onboarding.createChipChallenge(sessionId)).challenge, "hex"));
      const upload: ChipUploadInput = {
        files: chip.files as ChipUploadInput["files"],
        activeAuthentication: { challenge, response: answerChallenge(chip.activeAuthenticationKey, challenge) },
      };
      const outcomes = await Promise.allSettled([
        onboarding.uploadChip(sessionId, upload),
        onboarding.uploadChip(sessionId, upload),
      ]);
      const accepted = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value.activeAuthentication] : []));
      expect(accepted).to.deep.equal(["PASSED"]);
      const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [(o.reason as { code?: string }).code] : []));
      expect(refused).to.deep.equal(["AA_CHALLENGE_REPLAYED"]);
    });

    it("is issued on one instance, answered on either, and consumed once when the same answer reaches both at once", async () => {
      const connectionString = await createTestDatabase();
      const keys = new MemoryKeyManager(); // the bank's HSM, shared by its instances
      let now = start;
      const clock = () => now;
      const instance = async () => {
        const sessions = createStoredSessions({ store: await instanceStore(connectionString), keys, clock });
        const onboarding = chipOnboarding(sessions, () => now);
        return { sessions, onboarding };
      };
      const [one, two] = [await instance(), await instance()];
      const { sessionId } = await one.onboarding.createSession(subject());
      await one.onboarding.recordCollectionConsent(sessionId, collectionConsent({ version: "n-1", chip: true }));
      const issued = await one.onboarding.createChipChallenge(sessionId);
      const challenge = new Uint8Array(Buffer.from(issued.challenge, "hex"));
      const upload: ChipUploadInput = {
        files: chip.files as ChipUploadInput["files"],
        activeAuthentication: { challenge, response: answerChallenge(chip.activeAuthenticationKey, challenge) },
      };
      // A copy of the session read before the answer, saved after it (another step's stale write).
      const stale = await two.sessions.get(sessionId);

      const outcomes = await Promise.allSettled([
        one.onboarding.uploadChip(sessionId, upload),
        two.onboarding.uploadChip(sessionId, upload),
      ]);
      const accepted = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
      const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as { code?: string }] : []));
      expect(accepted, refused.map(String).join("; ")).to.have.length(1);
      expect(accepted[0]).to.deep.include({ status: "VALID", activeAuthentication: "PASSED" });
      expect(refused.map((e) => e.code)).to.deep.equal(["AA_CHALLENGE_REPLAYED"]);
      expect((await two.onboarding.getSession(sessionId)).documents.chip).to.equal(true);

      await two.sessions.save(stale);
      expect((await one.sessions.get(sessionId)).chipChallenge?.used).to.equal(true);
      await expectCode(two.onboarding.uploadChip(sessionId, upload), "AA_CHALLENGE_REPLAYED");
      await expectCode(one.onboarding.uploadChip(sessionId, upload), "AA_CHALLENGE_REPLAYED");

      // Expiry is still enforced: an answer after the challenge's 2 minutes is refused, on any instance.
      const late = await two.onboarding.createChipChallenge(sessionId);
      const lateChallenge = new Uint8Array(Buffer.from(late.challenge, "hex"));
      expect(hex(lateChallenge)).to.not.equal(hex(challenge));
      now += 120_001;
      await expectCode(
        one.onboarding.uploadChip(sessionId, {
          files: upload.files,
          activeAuthentication: {
            challenge: lateChallenge,
            response: answerChallenge(chip.activeAuthenticationKey, lateChallenge),
          },
        }),
        "AA_CHALLENGE_EXPIRED",
      );
      // An answer to another challenge than the session's is no answer.
      await one.onboarding.createChipChallenge(sessionId);
      await expectCode(two.onboarding.uploadChip(sessionId, upload), "AA_CHALLENGE_UNKNOWN");
    });
  });

  describe("no double decision after a takeover", () => {
    /** One instance: its own pool, sessions, vault and review queue over the shared database. */
    async function instance(
      connectionString: string,
      keys: MemoryKeyManager,
      options: { claimTtlMs?: number; wrap?: (store: RecordStore) => RecordStore } = {},
    ) {
      const raw = await instanceStore(connectionString);
      const store = options.wrap?.(raw) ?? raw;
      const audit = createAuditLog(store);
      const vault = createVault({ store, keys, audit, attestationContext });
      const review = createReviewQueue({ store, vault, audit });
      const sessions = createStoredSessions({
        store,
        keys,
        pollMs: 20,
        ...(options.claimTtlMs === undefined ? {} : { claimTtlMs: options.claimTtlMs }),
      });
      const deps = depsOf({
        sessions,
        vault,
        review,
        pipelineVersion: ZeroHash as Hex,
        attestationValiditySeconds: 365 * 86_400,
        // Not configured here: no evidence sealed, no duplicate index, the default rules.
        evidence: undefined,
        duplicates: undefined,
        rules: undefined,
      } as Partial<OnboardingDeps>);
      return { store: raw, sessions, deps };
    }

    /** What the checks found for a session (the models' and registry's work is not this test's concern). */
    function checked(outcome: "PASS" | "REVIEW", n: number): CheckedSession {
      const result: DecisionResult = {
        decision: outcome,
        reasons: outcome === "PASS" ? [] : [{ code: "FACE_MATCH_BORDERLINE", outcome: "REVIEW" }],
        assuranceLevel: 1,
        method: "FULL_EKYC",
        dailyLimitVnd: "100000000",
        ruleSetVersion: "test",
        asOf: "2026-12-07",
      };
      const selfie = {
        similarity: 0.93,
        selfieTemplate: { modelId: "test", embedding: new Float32Array(512).fill(n + 1) },
        model: { id: "test" },
      } as unknown as SelfieVerification;
      return {
        selfie,
        result,
        frames: [],
        evidence: {} as EvidenceInHand,
        draft: {
          fields: personFields(n),
          method: Method.FULL_EKYC,
          refCommitment: ZeroHash as Hex,
          maxLevel: 2,
          expiresAtCap: null,
          evidence: {},
          reviewEvidence: [],
        },
      };
    }

    const keep = (deps: OnboardingDeps, outcome: "PASS" | "REVIEW", n: number) => (session: Session) =>
      keepDecision({ deps, clock: () => new Date(), timed: (_stage, run) => run() }, session, checked(outcome, n));

    /**
     * The instance "dies" right after the write that stored the record: every later write of it
     * hangs for ever (the session's decision is never stored), as a process killed at that point.
     */
    const dyingAfterRecord =
      (died: () => void) =>
      (store: RecordStore): RecordStore => {
        let dead = false;
        const never = () => new Promise<never>(() => undefined);
        const afterRecord = (ops: readonly WriteOp[]) => {
          if (ops.some((op) => op.key.startsWith("record/"))) {
            dead = true;
            died();
          }
        };
        return {
          ...store,
          get: (key) => (dead ? never() : store.get(key)),
          write: async (ops) => {
            if (dead) return never();
            await store.write(ops);
            afterRecord(ops);
          },
          writeExclusive: async (lock, build) => {
            if (dead) return never();
            let written: readonly WriteOp[] = [];
            const result = await store.writeExclusive(lock, async () => {
              const built = await build();
              written = built.ops;
              return built;
            });
            afterRecord(written);
            return result;
          },
          range: (options) => store.range(options),
        };
      };

    it("an instance dies between the record's write and the session's decision: the takeover finishes with that record", async () => {
      const connectionString = await createTestDatabase();
      const keys = new MemoryKeyManager();
      let died!: () => void;
      const death = new Promise<void>((resolve) => (died = resolve));
      const one = await instance(connectionString, keys, { claimTtlMs: 500, wrap: dyingAfterRecord(died) });
      const two = await instance(connectionString, keys, { claimTtlMs: 500 });
      const session = await one.sessions.create(subject());

      let firstDecision: OnboardingDecision | undefined;
      void one.sessions.decideOnce(session.id, async (s) => {
        firstDecision = await keep(one.deps, "PASS", 1)(s);
        return firstDecision;
      });
      await death;
      // The session is claimed and undecided; the record, its attestation and its outbox entry are stored.
      const claimed = await two.sessions.get(session.id);
      expect(claimed.decidingSince).to.be.a("number");
      expect(claimed.decision).to.equal(undefined);
      expect(await keysUnder(two.store, "record/")).to.have.length(1);

      // Another instance is asked while the claim is fresh: it waits, then takes the stale claim over.
      let runs = 0;
      const decision = await two.sessions.decideOnce(session.id, async (s) => {
        runs += 1;
        return keep(two.deps, "PASS", 2)(s);
      });
      expect(runs, "the takeover must not decide again").to.equal(0);
      expect(decision.outcome).to.equal("PASS");
      const [recordKey, ...more] = await keysUnder(two.store, "record/");
      expect(more).to.deep.equal([]);
      const attestations = await keysUnder(two.store, "attestation/");
      expect(attestations).to.deep.equal([`attestation/${decision.attestationUid!.toLowerCase()}`]);
      expect(await keysUnder(two.store, "outbox/pending/")).to.have.length(1);
      expect(recordKey).to.be.a("string");
      // The session is decided with the first run's decision, its images gone, for any instance.
      expect((await two.sessions.get(session.id)).decision).to.deep.equal(decision);
      expect(await two.sessions.decideOnce(session.id, () => Promise.reject(new Error("decided again")))).to.deep.equal(
        decision,
      );
      expect(firstDecision).to.deep.equal(decision);
    });

    it("two live instances keeping a record for one session at once keep one (REVIEW: one record, one case)", async () => {
      const connectionString = await createTestDatabase();
      const keys = new MemoryKeyManager();
      const one = await instance(connectionString, keys);
      const two = await instance(connectionString, keys);
      const session = await one.sessions.create(subject());
      const [a, b] = await Promise.all([
        keep(one.deps, "REVIEW", 1)(session),
        keep(two.deps, "REVIEW", 2)(await two.sessions.get(session.id)),
      ]);
      expect(a).to.deep.equal(b);
      expect(a.outcome).to.equal("REVIEW");
      expect(await keysUnder(one.store, "record/")).to.have.length(1);
      expect(await keysUnder(one.store, "attestation/")).to.have.length(1);
      expect(await keysUnder(one.store, "review/case/")).to.deep.equal([`review/case/${a.reviewCaseId}`]);
      // Held for review: nothing queued for anchoring until a reviewer approves.
      expect(await keysUnder(one.store, "outbox/")).to.deep.equal([]);
      const sessions: SessionStore = two.sessions;
      expect(await sessions.keptDecision(session.id)).to.deep.equal(a);
    });
  });

  describe("the duplicate-identity index", () => {
    it("finds at instance 2 a face that instance 1 stored after instance 2 started", async () => {
      const connectionString = await createTestDatabase();
      const keys = new MemoryKeyManager();
      const instance = async () => {
        const store = await instanceStore(connectionString);
        const audit = createAuditLog(store);
        const vault = createVault({ store, keys, audit, attestationContext });
        const duplicates = createDuplicateIdentities({ store, keys, audit, vault, policy: RULES_V1.duplicates });
        await duplicates.load();
        return { vault, duplicates };
      };
      const one = await instance();
      const two = await instance();
      const face = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i * 0.7));
      const alice = { idNumber: "001090000001", oldIdNumber: "", template: { modelId: "test", embedding: face } };
      const { record, attestation } = verifiedRecord(1);
      const stored = await one.vault.storeVerifiedRecord({
        record,
        attestation: attestation(1_800_000_000n),
        actor: "node",
        indexEntry: one.duplicates.entryOf(alice),
      });
      one.duplicates.indexed(stored.id, alice);

      const found = await two.duplicates.check({ ...alice, idNumber: "001090000002" });
      expect(found.map((f) => [f.kind, f.otherUid])).to.deep.equal([["SAME_FACE_OTHER_ID", stored.uid]]);
    });
  });

  describe("the liveness check's memory of earlier sessions' frames", () => {
    /** A frame descriptor from a base pattern, moved by `by` along its first `spread` numbers. */
    const descriptor = (base = 1, by = 0, spread = 1) =>
      Float32Array.from({ length: DESCRIPTOR_LENGTH }, (_, i) => Math.sin(base * (i + 1)) / 4 + (i < spread ? by : 0));
    const limit = 0.1;

    it("is shared, sealed, answers a challenge once, and is bounded in number and time", async () => {
      const connectionString = await createTestDatabase();
      const keys = new MemoryKeyManager();
      let now = Date.UTC(2026, 11, 7, limit);
      const options = { keys, capacity: 3, ttlMs: 86_400_000, clock: () => now };
      const one = createStoredFrameMemory({ store: await instanceStore(connectionString), ...options });
      const twoStore = await instanceStore(connectionString);
      const two = createStoredFrameMemory({ store: twoStore, ...options });

      const recorded = [descriptor(1), descriptor(2)];
      expect(await one.recall("challenge-1", recorded, limit)).to.deep.equal([]);
      // Replayed at the other instance, re-encoded (moved a little), for another challenge.
      expect(await two.recall("challenge-2", [descriptor(1, 0.05, 3), descriptor(7)], limit)).to.deep.equal([0]);
      // The first challenge checked again (its decision retried or taken over): the same answer, on either.
      expect(await two.recall("challenge-1", recorded, limit)).to.deep.equal([]);
      expect(await one.recall("challenge-2", [], limit)).to.deep.equal([0]);

      // The same new recording at both instances at once: one of them saw it first.
      const fresh = [descriptor(3)];
      const both = await Promise.all([
        one.recall("challenge-3", fresh, limit),
        two.recall("challenge-4", fresh, limit),
      ]);
      expect(both.map((seen) => seen.length).sort()).to.deep.equal([0, 1]);

      // Nothing of a descriptor in clear in the store: only the log's sequence, owners, times and sealed bytes.
      const raw: string[] = [];
      for await (const [key, value] of twoStore.range({ prefix: "liveness-frames/" }))
        raw.push(key, JSON.stringify(value));
      for (const d of [...recorded, ...fresh]) {
        const bytes = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
        expect(raw.join()).to.not.include(bytes.toString("base64").slice(0, 8));
        expect(raw.join()).to.not.include(bytes.toString("hex").slice(0, 8));
        expect(raw.join()).to.not.include(d[0]!.toFixed(4));
      }
      // Bounded: at most `capacity` sessions, the oldest gone with the write of a new one.
      const logged = await keysUnder(twoStore, "liveness-frames/log/");
      expect(logged).to.have.length(3);
      // (challenge-1's second frame is in no later session: past the capacity, it is forgotten.)
      expect(await one.recall("challenge-5", [recorded[1]!], limit), "forgotten beyond the capacity").to.deep.equal([]);

      // Expired after a day: not compared any more, and its day's key destroyed by the sweep.
      now += 86_400_000 + 1;
      expect(await two.recall("challenge-6", fresh, limit)).to.deep.equal([]);
      expect(await keys.listRecordKeys()).to.include("liveness-frames/2026-12-07");
      now += 86_400_000;
      expect(await one.sweepKeys()).to.equal(1);
      expect(await keys.listRecordKeys()).to.not.include("liveness-frames/2026-12-07");
    });

    it("reads entries of the earlier form (difference hashes) as sessions that match nothing", async () => {
      const connectionString = await createTestDatabase();
      const keys = new MemoryKeyManager();
      const now = Date.UTC(2026, 11, 7, 12);
      const store = await instanceStore(connectionString);
      // an entry as the node logged it before the descriptor: sealed hashes and the check's answer
      const key = "liveness-frames/log/0000000000000001";
      const plaintext = new TextEncoder().encode(JSON.stringify({ hashes: ["5a".repeat(32)], seen: [0] }));
      const sealed = sealedToJson(await keys.sealRecord(key, plaintext, "liveness-frames/2026-12-07"));
      await store.writeExclusive("liveness-frames", () =>
        Promise.resolve({
          ops: [{ type: "put", key, value: { owner: "before", at: now, sealed } as unknown as StoredValue }],
          result: null,
        }),
      );
      const memory = createStoredFrameMemory({ store, keys, capacity: 2, clock: () => now });
      // its challenge answered as it was; a new session matches none of it, and is logged after it
      expect(await memory.recall("before", [], limit)).to.deep.equal([0]);
      expect(await memory.recall("after", [descriptor(1)], limit)).to.deep.equal([]);
      expect(await memory.recall("again", [descriptor(1, 0.05)], limit)).to.deep.equal([0]);
      expect(await keysUnder(store, "liveness-frames/log/")).to.have.length(2);
    });

    describe("through the real liveness check", function () {
      let model: FaceModel;
      let howard: Awaited<ReturnType<typeof stillFace>>;
      before(async function () {
        this.timeout(120_000);
        model = await sharedOnnxModel();
        howard = await stillFace(model, "howard", 1);
      });

      it("refuses at instance 2 a recording instance 1 checked, re-encoded for a new challenge", async () => {
        const connectionString = await createTestDatabase();
        const keys = new MemoryKeyManager();
        const capacity = loadThresholds().liveness.memory.sessions;
        const one = createStoredFrameMemory({ store: await instanceStore(connectionString), keys, capacity });
        const two = createStoredFrameMemory({ store: await instanceStore(connectionString), keys, capacity });
        const thresholds = loadThresholds();
        const challengeAt = (nonce: string, issuedAt: number): Challenge => ({
          nonce,
          steps: ["TURN_LEFT", "BLINK", "TURN_RIGHT"],
          promptsAtMs: [500, 1700, 2900],
          issuedAt,
          expiresAt: issuedAt + 30_000,
        });
        const first = challengeAt("first", 1_000_000);
        const recorded = framesFor(howard, first, first.issuedAt + 10, { session: 1 });
        const r1 = await verifyChallenge(model, first, recorded, thresholds, {
          now: first.issuedAt + 5_000,
          recall: one,
        });
        expect(r1.failures).to.deep.equal([]);

        const again = challengeAt("again", first.issuedAt + 60_000);
        const replayed = await Promise.all(
          recorded.map(async (f) => ({
            image: await recode(f.image, 85, 1),
            timestampMs: f.timestampMs + 60_000,
          })),
        );
        const r2 = await verifyChallenge(model, again, replayed, thresholds, {
          now: again.issuedAt + 5_000,
          recall: two,
        });
        expect(r2.failures).to.deep.equal(["FRAMES_SEEN_BEFORE"]);
        // Another session of the same person is not taken for a replay, on either instance.
        const other = challengeAt("other", first.issuedAt + 120_000);
        const fresh = framesFor(howard, other, other.issuedAt + 10, { session: 2 });
        const r3 = await verifyChallenge(model, other, fresh, thresholds, {
          now: other.issuedAt + 5_000,
          recall: one,
        });
        expect(r3.failures).to.not.include("FRAMES_SEEN_BEFORE");
      });
    });
  });
});
