/**
 * Onboarding sessions in the vault's store (onboarding/adapters/stored-sessions.ts), on real stores:
 * a LevelDB vault closed and reopened (a restart of a single node) keeps an open session with its
 * images; two instances on one PostgreSQL database serve one session (uploads on either, one
 * decision however many instances ask); the raw store files hold no image byte and no personal
 * field in clear; decision and expiry delete the images, and the sweep destroys the session keys of
 * days gone, so that a copy of the store taken before opens nothing of them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Hex } from "@kycnet/sdk/protocol";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { createStoredSessions } from "../../../node/src/onboarding/adapters/stored-sessions.ts";
import type { OnboardingDecision } from "../../../node/src/onboarding/ports.ts";
import type { SessionImages } from "../../../node/src/onboarding/sessions.ts";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import { createMemoryRecordStore } from "../../../node/src/vault/store/memory/memory-record-store.ts";
import { openPostgresRecordStore } from "../../../node/src/vault/store/postgres/postgres-record-store.ts";
import type { RecordStore } from "../../../node/src/vault/store/record-store.ts";
import { expectCode } from "../../support/expect-code.ts";
import { createTestDatabase } from "../../support/postgres.ts";

const subject = () => Wallet.createRandom().address as Hex;
/** An image whose bytes are easy to look for in raw files: a marker repeated. */
const markedImage = (marker: string, bytes = 64 * 1024) => new Uint8Array(Buffer.alloc(bytes, marker));
/** A decision naming its session (what the decision stages compute is not this test's concern). */
const decision = (sessionId: string): OnboardingDecision => ({
  outcome: "REJECT",
  reasons: [{ code: "TEST", message: sessionId }],
  assuranceLevel: 0,
});

/** Every byte of every file under `dir`. */
function rawFiles(dir: string): Buffer {
  const parts: Buffer[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) parts.push(readFileSync(join(entry.parentPath, entry.name)));
  return Buffer.concat(parts);
}

describe("node/onboarding sessions in the store", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });
  const levelDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "kycnet-sessions-"));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  };
  const track = (store: RecordStore) => {
    cleanup.push(() => store.close());
    return store;
  };

  it("keeps an open session and its images across a restart of a single LevelDB node", async () => {
    const dir = await levelDir();
    const keys = new MemoryKeyManager();
    const before = await openLevelRecordStore(join(dir, "vault"));
    const sessions = createStoredSessions({ store: before, keys });
    const session = await sessions.create(subject());
    const front = markedImage("F");
    await sessions.holdImages(session, { front });
    session.challenge = { id: "c1", nonce: "c1", expiresAt: Date.now() + 30_000 };
    await sessions.save(session);
    await before.close();

    const after = track(await openLevelRecordStore(join(dir, "vault")));
    const restarted = createStoredSessions({ store: after, keys });
    const reopened = await restarted.get(session.id);
    expect(reopened.subject).to.equal(session.subject);
    expect(reopened.challenge?.nonce).to.equal("c1");
    expect(reopened.images?.front).to.equal(front.byteLength);
    let seen: SessionImages = {};
    await restarted.decideOnce(session.id, async (s, images) => {
      seen = images;
      return decision(s.id);
    });
    expect(Buffer.from(seen.front!).equals(Buffer.from(front))).to.equal(true);
  });

  it("holds no image byte and no personal field in clear in the raw LevelDB files, and deletes the images at decision", async () => {
    const dir = await levelDir();
    const keys = new MemoryKeyManager();
    const store = await openLevelRecordStore(join(dir, "vault"));
    const sessions = createStoredSessions({ store, keys });
    const session = await sessions.create(subject());
    await sessions.holdImages(session, {
      front: markedImage("Q"),
      back: markedImage("W"),
      frames: [{ bytes: markedImage("Z"), mime: "image/jpeg", capturedAtMs: 1 }],
    });
    // A personal value a session carries (another feature's field): it travels sealed too.
    await sessions.save({ ...session, ...{ confirmedName: "NGUYEN VAN PERSONALNAME" } });
    expect((await sessions.get(session.id)) as unknown as { confirmedName: string }).to.include({
      confirmedName: "NGUYEN VAN PERSONALNAME",
    });
    await store.close();
    const raw = rawFiles(dir);
    for (const marker of ["Q", "W", "Z"]) {
      const run = Buffer.alloc(192, marker);
      expect(raw.includes(run), marker).to.equal(false);
      // Nor in base64 (how a JSON store would hold bytes unsealed).
      expect(raw.includes(Buffer.from(run.toString("base64"))), `${marker} in base64`).to.equal(false);
    }
    expect(raw.includes(Buffer.from("PERSONALNAME"))).to.equal(false);
    expect(raw.includes(Buffer.from(session.subject.slice(2)))).to.equal(false);

    const reopened = track(await openLevelRecordStore(join(dir, "vault")));
    const again = createStoredSessions({ store: reopened, keys });
    await again.decideOnce(session.id, async (s) => decision(s.id));
    const left: string[] = [];
    for await (const [key] of reopened.range({ prefix: "session-image/" })) left.push(key);
    expect(left).to.deep.equal([]);
    expect((await again.get(session.id)).images).to.equal(undefined);
  });

  it("serves one session from two instances on PostgreSQL: uploads on either, one decision for all who ask", async function () {
    this.timeout(60_000);
    const connectionString = await createTestDatabase();
    const keys = new MemoryKeyManager(); // the bank's HSM, shared by its instances
    const one = createStoredSessions({ store: track(await openPostgresRecordStore({ connectionString })), keys });
    const two = createStoredSessions({
      store: track(await openPostgresRecordStore({ connectionString })),
      keys,
      pollMs: 20,
    });
    const session = await one.create(subject());
    const [front, back] = [markedImage("A"), markedImage("B")];
    // Two uploads of one session at once, on two instances: both land.
    await Promise.all([one.holdImages(session, { front }), two.holdImages(await two.get(session.id), { back })]);
    const onTwo = await two.get(session.id);
    expect(onTwo.images).to.deep.equal({ front: front.byteLength, back: back.byteLength });

    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const run = async (s: { id: string }, images: SessionImages) => {
      runs += 1;
      expect(images.front?.byteLength).to.equal(front.byteLength);
      expect(images.back?.byteLength).to.equal(back.byteLength);
      await gate;
      return decision(s.id);
    };
    const first = one.decideOnce(session.id, run);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The other instance, asked meanwhile, waits for the one decision instead of making another.
    const second = two.decideOnce(session.id, run);
    await expectCode(two.holdImages(await two.get(session.id), { front }), "SESSION_STATE_CONFLICT");
    release();
    expect(await second).to.deep.equal(await first);
    expect(runs).to.equal(1);
  });

  it("takes over a decision whose instance died (its claim not renewed for claimTtlMs), and lets a failed one go", async () => {
    let now = Date.now();
    const store = createMemoryRecordStore();
    const keys = new MemoryKeyManager();
    const options = { store, keys, claimTtlMs: 1_000, pollMs: 5, clock: () => now };
    const dying = createStoredSessions(options);
    const session = await dying.create(subject());
    const failed = await dying
      .decideOnce(session.id, async () => {
        throw new Error("models crashed");
      })
      .catch((error: unknown) => error);
    expect(String(failed)).to.contain("models crashed");
    // The failure released the claim: uploads are taken again.
    expect((await dying.get(session.id)).decidingSince).to.equal(undefined);
    // An instance dies mid-decision: once its claim is written, none of its writes (the claim's
    // renewals included) reach the store any more.
    let dead = false;
    const afterClaim: RecordStore = {
      ...store,
      write: (ops) => (dead ? new Promise<never>(() => undefined) : store.write(ops)),
      writeExclusive: (lock, build) => (dead ? new Promise<never>(() => undefined) : store.writeExclusive(lock, build)),
    };
    void createStoredSessions({ ...options, store: afterClaim }).decideOnce(session.id, () => {
      dead = true;
      return new Promise<never>(() => undefined);
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await dying.get(session.id)).decidingSince).to.be.a("number");
    const survivor = createStoredSessions(options);
    const waiting = survivor.decideOnce(session.id, async (s) => decision(s.id));
    await new Promise((resolve) => setTimeout(resolve, 30));
    now += 1_001;
    expect((await waiting).reasons[0]?.message).to.equal(session.id);
  });

  it("a slow decision renews its claim: another instance waits past claimTtlMs instead of deciding again", async () => {
    let now = Date.now();
    const store = createMemoryRecordStore();
    const keys = new MemoryKeyManager();
    const options = { store, keys, claimTtlMs: 300, pollMs: 5, clock: () => now };
    const slow = createStoredSessions(options);
    const session = await slow.create(subject());
    let runs = 0;
    let finish: () => void = () => undefined;
    const first = slow.decideOnce(session.id, async (s) => {
      runs++;
      await new Promise<void>((resolve) => (finish = resolve));
      return decision(s.id);
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const claimed = (await slow.get(session.id)).decidingSince!;
    const second = createStoredSessions(options).decideOnce(session.id, async (s) => {
      runs++;
      return decision(s.id);
    });
    // Three claim periods go by on the clock, each followed by more than one renewal period (100 ms).
    for (let period = 0; period < 3; period++) {
      now += 250;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect((await slow.get(session.id)).decidingSince).to.be.above(claimed);
    finish();
    expect(await second).to.deep.equal(await first);
    expect(runs).to.equal(1);
  });

  it("sweeps expired sessions with their images, and destroys the session keys of days gone", async () => {
    let now = Date.UTC(2026, 11, 7, 23, 50);
    const store = createMemoryRecordStore();
    const keys = new MemoryKeyManager();
    const sessions = createStoredSessions({ store, keys, ttlMs: 15 * 60_000, clock: () => now });
    const old = await sessions.create(subject());
    await sessions.holdImages(old, { front: markedImage("O") });
    const sealedBefore = await store.get(`session-image/${old.id}/front`);
    now += 20 * 60_000; // the next day, 00:10: `old` expired, its day's key still needed by nobody
    const fresh = await sessions.create(subject());
    expect(await keys.listRecordKeys()).to.deep.equal(["session/2026-12-07", "session/2026-12-08"]);
    // Two instances sweeping at once: each deletes, neither fails.
    const swept = await Promise.all([sessions.sweepExpired(), sessions.sweepExpired()]);
    expect(swept.reduce((a, b) => a + b, 0)).to.be.at.least(1);
    await expectCode(sessions.get(old.id), "SESSION_NOT_FOUND");
    expect(await store.get(`session-image/${old.id}/front`)).to.equal(undefined);
    expect((await sessions.get(fresh.id)).id).to.equal(fresh.id);
    // 00:10 minus the lifetime is still 2026-12-07: that day's key lives until every session of it expired.
    expect(await keys.listRecordKeys()).to.include("session/2026-12-07");
    now += 10 * 60_000;
    await sessions.sweepExpired();
    expect(await keys.listRecordKeys()).to.deep.equal(["session/2026-12-08"]);
    // A copy of the store taken before (a backup) opens nothing of that day any more.
    const { sealedFromJson } = await import("../../../node/src/vault/codec.ts");
    await expectCode(
      keys.openRecord(`session-image/${old.id}/front`, sealedFromJson(sealedBefore as never)),
      "CIPHERTEXT_REJECTED",
    );
  });
});
