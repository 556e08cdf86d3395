import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { createAuditLog } from "../../../node/src/vault/audit-log.ts";
import { createAnchoringWorker, type AnchoringWorker } from "../../../node/src/vault/outbox.ts";
import { nodeGaugeSources } from "../../../node/src/composition/metrics.ts";
import { createMetrics } from "../../../node/src/observability/metrics.ts";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import type { RecordStore } from "../../../node/src/vault/store/record-store.ts";
import { createVault } from "../../../node/src/vault/vault.ts";
import type { LedgerClient } from "../../../node/src/ledger/ledger-client.ts";
import { LedgerUnavailableError } from "../../../node/src/ledger/errors.ts";
import { deployedConsortium } from "../ledger/fixture.ts";
import { verifiedRecord } from "./fixtures.ts";

describe("node/vault anchoring outbox (LevelDB + Hardhat)", function () {
  this.timeout(60_000);
  let f: Awaited<ReturnType<typeof deployedConsortium>>;
  let dir: string;
  let store: RecordStore;
  before(async () => {
    f = await deployedConsortium();
  });
  const contextOf = async (ledger: LedgerClient) => ({
    chainId: await ledger.chainId(),
    registry: ledger.addresses.attestations,
    issuer: await ledger.account(),
  });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "kycnet-outbox-"));
    store = await openLevelRecordStore(dir);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const setup = async (ledger: LedgerClient = f.ledgerA, maxBatch = 256) => {
    const audit = createAuditLog(store);
    const vault = createVault({
      store,
      keys: new MemoryKeyManager(),
      audit,
      attestationContext: await contextOf(ledger),
    });
    const batches: number[] = [];
    const worker = createAnchoringWorker({
      store,
      audit,
      vault,
      ledger,
      maxBatch,
      onBatch: (b) => batches.push(b.count),
    });
    return { audit, vault, worker, batches };
  };

  const storeRecords = async (vault: Awaited<ReturnType<typeof setup>>["vault"], n: number) => {
    const now = await f.now();
    const metas = [];
    for (let i = 0; i < n; i++) {
      const { record, attestation } = verifiedRecord(i);
      metas.push(await vault.storeVerifiedRecord({ record, attestation: attestation(now), actor: "op" }));
    }
    return metas;
  };

  const attestedEvents = async () => {
    const { ethers } = f;
    const registry = await ethers.getContractAt("AttestationRegistry", f.addresses.attestations);
    return registry.queryFilter(registry.filters.Attested!());
  };

  it("anchors queued records in batches and stores proofs the contract accepts", async () => {
    const { vault, worker, batches, audit } = await setup(f.ledgerA, 4);
    const metas = await storeRecords(vault, 10);
    const result = await worker.flush();
    expect(result).to.deep.equal({ anchored: 10, failed: 0, batches: 3 });
    expect(batches).to.deep.equal([4, 4, 2]);
    for (const meta of metas) {
      const anchored = await vault.getRecordMeta(meta.id);
      expect(anchored.anchor?.uid).to.equal(meta.uid); // the uid known at storage is the one anchored
      expect(await f.ledgerB.attestationStatus(vault.proofOf(anchored)!)).to.equal("VALID");
    }
    expect(await worker.depth()).to.deep.equal({ pending: 0, inflight: 0, failed: 0 });
    expect(await audit.verify()).to.include({ ok: true });
  });

  it("after a crash between sending and marking, resumes without anchoring twice", async () => {
    const { vault, worker } = await setup();
    await storeRecords(vault, 3);
    // Simulate the crash: a first worker sends the batch but its process dies before marking.
    const crashing = createAnchoringWorker({
      store,
      audit: createAuditLog(store),
      vault,
      ledger: {
        ...f.ledgerA,
        anchorBatch: async (batch) => {
          await f.ledgerA.anchorBatch(batch);
          throw new Error("killed");
        },
      },
    });
    await crashing.flush().catch(() => undefined);
    expect((await worker.depth()).inflight).to.equal(1);
    const before = (await attestedEvents()).length;
    const result = await worker.flush();
    expect(result.anchored).to.equal(3);
    expect((await attestedEvents()).length).to.equal(before); // no second anchoring
    for await (const meta of vault.listRecords()) expect(meta.anchor?.txHash).to.equal(null);
  });

  it("flush() also anchors records queued while a background (unforced) pass was running", async () => {
    // The background pass sends only records older than maxDelayMs; a flush() arriving meanwhile
    // must not be answered by that pass, or its caller's young record stays queued.
    let now = Date.now();
    const clock = () => new Date(now);
    const audit = createAuditLog(store, clock);
    const vault = createVault({
      store,
      keys: new MemoryKeyManager(),
      audit,
      attestationContext: await contextOf(f.ledgerA),
      clock,
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: LedgerClient = {
      ...f.ledgerA,
      anchorBatch: async (batch) => {
        await gate;
        return f.ledgerA.anchorBatch(batch);
      },
    };
    const worker = createAnchoringWorker({ store, audit, vault, ledger: slow, maxDelayMs: 1_000, clock });
    const [old] = await storeRecords(vault, 1);
    now += 2_000; // the first record is now due
    const background = worker.flush(false);
    await new Promise((r) => setTimeout(r, 50)); // the pass has read the queue and waits on the chain
    const late = verifiedRecord(99);
    const young = await vault.storeVerifiedRecord({
      record: late.record,
      attestation: late.attestation(await f.now()),
      actor: "op",
    });
    const forced = worker.flush();
    release();
    await background;
    await forced;
    expect((await vault.getRecordMeta(old!.id)).anchor).to.not.equal(null);
    expect((await vault.getRecordMeta(young.id)).anchor, "queued during the background pass").to.not.equal(null);
  });

  it("sends a batch only once the node's clock is chainClockSkewMs past its latest issuedAt second", async () => {
    const audit = createAuditLog(store);
    const vault = createVault({
      store,
      keys: new MemoryKeyManager(),
      audit,
      attestationContext: await contextOf(f.ledgerA),
    });
    const { record, attestation } = verifiedRecord(7);
    const issuedAt = await f.now();
    await vault.storeVerifiedRecord({ record, attestation: attestation(issuedAt), actor: "op" });
    // The node's clock reads 200 ms into the attestation's own issuedAt second: a chain lagging by
    // up to 300 ms could stamp the anchoring block before it.
    const clock = () => new Date(Number(issuedAt) * 1000 + 200);
    let sentAfterMs: number | undefined;
    const started = performance.now();
    const timed: LedgerClient = {
      ...f.ledgerA,
      anchorBatch: async (batch, head) => {
        sentAfterMs = performance.now() - started;
        return f.ledgerA.anchorBatch(batch, head);
      },
    };
    const worker = createAnchoringWorker({ store, audit, vault, ledger: timed, clock, chainClockSkewMs: 300 });
    expect(await worker.flush()).to.deep.include({ anchored: 1 });
    // (issuedAt + 1 s) + 300 ms - (issuedAt + 200 ms) = 1,100 ms of waiting.
    expect(sentAfterMs).to.be.at.least(1_050);
  });

  it("keeps the batch in flight while the chain is unavailable, then anchors it", async () => {
    const { vault, worker } = await setup();
    await storeRecords(vault, 2);
    const down = createAnchoringWorker({
      store,
      audit: createAuditLog(store),
      vault,
      ledger: {
        ...f.ledgerA,
        anchorBatch: async () => {
          throw new LedgerUnavailableError("anchor", new Error("ECONNREFUSED"));
        },
      },
    });
    const error = await down.flush().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LedgerUnavailableError);
    expect(await worker.depth()).to.deep.equal({ pending: 0, inflight: 1, failed: 0 });
    expect((await worker.flush()).anchored).to.equal(2);
  });

  it("parks a batch the chain refuses for good (not a member) with the reason, and audits it", async () => {
    const { vault, worker, audit } = await setup(f.ledgerOutsider);
    await storeRecords(vault, 2);
    expect(await worker.flush()).to.deep.equal({ anchored: 0, failed: 2, batches: 1 });
    expect(await worker.depth()).to.deep.equal({ pending: 0, inflight: 0, failed: 2 });
    const failures = (await audit.list()).filter((e) => e.action === "attestation.anchor-failed");
    expect(failures).to.have.length(2);
    expect(failures[0]!.details).to.deep.equal({ revert: "NotActiveMember" });
  });
  describe("anchoring lag and depth on /metrics (kycnet_anchoring_lag_seconds, kycnet_outbox_depth)", () => {
    /** The node's metrics over this outbox, scraped at `offsetMs` past the real time. */
    const scrape = async (worker: AnchoringWorker, offsetMs: number) => {
      const metrics = createMetrics({ processMetrics: false });
      metrics.watch(nodeGaugeSources({ outbox: worker, clock: () => new Date(Date.now() + offsetMs) }));
      const text = await metrics.render();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
      return { lag: value("kycnet_anchoring_lag_seconds"), depth: value("kycnet_outbox_depth") };
    };

    it("is 0 with nothing queued, rises while a record waits (chain down included), and falls to 0 once anchored", async () => {
      const { vault, worker } = await setup();
      expect(await scrape(worker, 0)).to.deep.equal({ lag: 0, depth: 0 });
      expect(await worker.waiting()).to.deep.equal({ records: 0, oldestQueuedAt: null });

      await storeRecords(vault, 2);
      const early = await scrape(worker, 10_000);
      expect(early.depth).to.equal(2);
      expect(early.lag).to.be.within(10, 20);

      // The chain is down: the batch moves in flight and stays there; the lag keeps growing with it.
      const down = createAnchoringWorker({
        store,
        audit: createAuditLog(store),
        vault,
        ledger: {
          ...f.ledgerA,
          anchorBatch: async () => {
            throw new LedgerUnavailableError("anchor", new Error("ECONNREFUSED"));
          },
        },
      });
      expect(await down.flush().catch((e: unknown) => e)).to.be.instanceOf(LedgerUnavailableError);
      const later = await scrape(worker, 120_000);
      expect(later.depth).to.equal(2);
      expect(later.lag).to.be.within(120, 130);
      expect(later.lag).to.be.greaterThan(early.lag);

      await worker.flush();
      expect(await scrape(worker, 120_000)).to.deep.equal({ lag: 0, depth: 0 });
    });

    it("counts the waiting records and keeps the oldest queue time as more arrive", async () => {
      const { vault, worker } = await setup();
      const before = Date.now();
      await storeRecords(vault, 1);
      const first = await worker.waiting();
      expect(first.records).to.equal(1);
      expect(first.oldestQueuedAt!.getTime()).to.be.within(before - 1, Date.now());
      await storeRecords(vault, 1);
      expect(await worker.waiting()).to.deep.equal({ records: 2, oldestQueuedAt: first.oldestQueuedAt });
    });
  });
});
