/**
 * The revocation cascade's bookkeeping, with a scripted chain (block number and `Revoked` logs) over a
 * real in-memory vault store and audit log: it acts only on its own indexed re-onboardings and only
 * for the reasons its policy lists, retries what could not be done yet (also after a restart), never
 * acts twice, and raises an audited alert under the ALERT policy. The end-to-end test with three
 * banks on a real chain is test/e2e/fraud.test.ts.
 */
import { expect } from "chai";
import { Interface, type Filter, type FilterByBlockHash, type Log } from "ethers";
import { AttestationRegistryAbi } from "@kycnet/sdk/chain";
import { RevocationReason, type Hex, type RevocationReasonName } from "@kycnet/sdk/protocol";
import { createRevocationCascade, type CascadeAction } from "../../../node/src/onboarding/revocation-cascade.ts";
import { reuseIndexOps, reusesOf } from "../../../node/src/onboarding/reuse-index.ts";
import type { AttestationStatusView, RevocationResult } from "../../../node/src/onboarding/ports.ts";
import { createAuditLog } from "../../../node/src/vault/audit-log.ts";
import { createMemoryRecordStore } from "../../../node/src/vault/store/memory/memory-record-store.ts";
import type { RecordStore } from "../../../node/src/vault/store/record-store.ts";

const REGISTRY = "0x00000000000000000000000000000000000000aa" as Hex;
const ISSUER = "0x00000000000000000000000000000000000000bb";
const abi = new Interface(AttestationRegistryAbi);
const uid = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;

/** A chain that only answers what the cascade asks: the head, and the `Revoked` logs of a block range. */
class ScriptedChain {
  head = 10;
  readonly logs: Array<{ block: number; topics: readonly string[]; data: string }> = [];
  revoke(source: Hex, reason: RevocationReasonName): void {
    this.head++;
    const { topics, data } = abi.encodeEventLog("Revoked", [source, ISSUER, RevocationReason[reason]]);
    this.logs.push({ block: this.head, topics, data });
  }
  readonly provider = {
    getBlockNumber: async () => this.head,
    getLogs: async (filter: Filter | FilterByBlockHash): Promise<Log[]> => {
      const { fromBlock, toBlock } = filter as Filter;
      return this.logs.filter((l) => l.block >= Number(fromBlock) && l.block <= Number(toBlock)) as unknown as Log[];
    },
  };
}

/** This bank's own attestations as the ledger sees them; `pending` ones are still in the outbox. */
class OwnLedger {
  readonly status = new Map<Hex, AttestationStatusView["status"]>();
  readonly revocations: Array<{ uid: Hex; reason: RevocationReasonName }> = [];
  failNext = false;
  async attestationStatus(u: Hex): Promise<AttestationStatusView> {
    return { uid: u, status: this.status.get(u) ?? "VALID", checkedAt: new Date().toISOString() };
  }
  async revoke(u: Hex, reason: RevocationReasonName): Promise<RevocationResult> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error("chain down");
    }
    this.revocations.push({ uid: u, reason });
    this.status.set(u, "REVOKED");
    return { uid: u, reason, txHash: `0x${"ab".repeat(32)}` as Hex };
  }
}

async function indexReuse(store: RecordStore, source: Hex, own: Hex, recordId: string) {
  await store.write(reuseIndexOps(source)({ id: recordId, uid: own }));
}

describe("revocation cascade", () => {
  let store: RecordStore;
  let chain: ScriptedChain;
  let ledger: OwnLedger;
  let actions: CascadeAction[];
  let errors: unknown[];
  let opened: Array<{ ownUid: Hex; reason: RevocationReasonName }>;
  const cascade = (policy: Partial<Record<RevocationReasonName, "REVOKE" | "REVIEW" | "ALERT">>) =>
    createRevocationCascade({
      provider: chain.provider,
      registry: REGISTRY,
      store,
      audit: createAuditLog(store),
      ledger,
      policy,
      openCase: async (entry, reason) => {
        opened.push({ ownUid: entry.ownUid, reason });
        return `case_000000000000${opened.length}_0000000${opened.length}`;
      },
      onAction: (a) => actions.push(a),
      onError: (e) => errors.push(e),
    });

  beforeEach(async () => {
    store = createMemoryRecordStore();
    chain = new ScriptedChain();
    ledger = new OwnLedger();
    actions = [];
    errors = [];
    opened = [];
    await indexReuse(store, uid(1), uid(101), "rec_a");
    await indexReuse(store, uid(1), uid(102), "rec_b");
    await indexReuse(store, uid(2), uid(201), "rec_c");
  });

  it("revokes, with the source's reason, every own attestation built on a source revoked for fraud, and only those", async () => {
    const c = cascade({ FRAUD_SUSPECTED: "REVOKE" });
    expect(await c.poll()).to.equal(0); // first start: from the current block
    chain.revoke(uid(1), "FRAUD_SUSPECTED");
    chain.revoke(uid(3), "FRAUD_SUSPECTED"); // not a source of ours
    chain.revoke(uid(2), "CUSTOMER_REQUEST"); // a reason the policy does not list
    expect(await c.poll()).to.equal(2);
    expect(ledger.revocations).to.deep.equal([
      { uid: uid(101), reason: "FRAUD_SUSPECTED" },
      { uid: uid(102), reason: "FRAUD_SUSPECTED" },
    ]);
    expect((await reusesOf(store, uid(1))).map((e) => e.handled?.action)).to.deep.equal(["REVOKED", "REVOKED"]);
    expect((await reusesOf(store, uid(2)))[0]!.handled).to.equal(undefined);
    const audit = await createAuditLog(store).list({ limit: 100 });
    expect(audit.filter((e) => e.action === "reuse.cascade-revoked").map((e) => e.target)).to.deep.equal([
      "rec_a",
      "rec_b",
    ]);
    expect((await createAuditLog(store).verify()).ok).to.equal(true);
  });

  it("retries what could not be done yet (own attestation still in the outbox, chain down), also after a restart", async () => {
    const first = cascade({ FRAUD_SUSPECTED: "REVOKE" });
    await first.poll();
    ledger.status.set(uid(101), "PENDING");
    ledger.failNext = true; // uid(102): the revocation transaction fails once
    chain.revoke(uid(1), "FRAUD_SUSPECTED");
    expect(await first.poll()).to.equal(0);
    expect(errors).to.have.length(1);
    // A new process (restart): the pending work is in the vault, not in memory.
    const second = cascade({ FRAUD_SUSPECTED: "REVOKE" });
    expect(await second.poll()).to.equal(1); // uid(102) now; uid(101) still waits for its anchoring
    ledger.status.set(uid(101), "VALID");
    expect(await second.poll()).to.equal(1);
    expect(ledger.revocations.map((r) => r.uid)).to.deep.equal([uid(102), uid(101)]);
    expect(await second.poll()).to.equal(0);
  });

  it("never acts twice on the same entry, even when the range is read again", async () => {
    const c = cascade({ FRAUD_SUSPECTED: "REVOKE" });
    await c.poll();
    chain.revoke(uid(1), "FRAUD_SUSPECTED");
    await c.poll();
    await store.write([{ type: "put", key: "cascade/cursor", value: 10 }]); // as if the cursor write was lost
    expect(await c.poll()).to.equal(0);
    expect(ledger.revocations).to.have.length(2);
  });

  it("does not revoke one already revoked, and records it as handled", async () => {
    const c = cascade({ FRAUD_SUSPECTED: "REVOKE" });
    await c.poll();
    ledger.status.set(uid(201), "REVOKED");
    chain.revoke(uid(2), "FRAUD_SUSPECTED");
    expect(await c.poll()).to.equal(1);
    expect(ledger.revocations).to.deep.equal([]);
    expect(actions[0])
      .to.include({ action: "REVOKED", ownUid: uid(201) })
      .and.not.have.property("txHash");
  });

  it("ALERT: raises an audited alert instead of revoking", async () => {
    const c = cascade({ FRAUD_SUSPECTED: "ALERT" });
    await c.poll();
    chain.revoke(uid(2), "FRAUD_SUSPECTED");
    expect(await c.poll()).to.equal(1);
    expect(ledger.revocations).to.deep.equal([]);
    const audit = await createAuditLog(store).list({ limit: 100 });
    const alert = audit.find((e) => e.action === "reuse.source-revoked-alert");
    expect(alert?.details).to.include({ sourceUid: uid(2), uid: uid(201), sourceReason: "FRAUD_SUSPECTED" });
  });

  it("REVIEW: opens one SOURCE_REVOKED case per own attestation, audited, and never a second one", async () => {
    const c = cascade({ FRAUD_SUSPECTED: "REVOKE", DATA_CORRECTED: "REVIEW" });
    await c.poll();
    chain.revoke(uid(1), "DATA_CORRECTED");
    expect(await c.poll()).to.equal(2);
    expect(ledger.revocations).to.deep.equal([]);
    expect(opened).to.deep.equal([
      { ownUid: uid(101), reason: "DATA_CORRECTED" },
      { ownUid: uid(102), reason: "DATA_CORRECTED" },
    ]);
    const handled = (await reusesOf(store, uid(1))).map((e) => e.handled);
    expect(handled.map((h) => [h?.action, h?.caseId])).to.deep.equal([
      ["REVIEW_OPENED", "case_0000000000001_00000001"],
      ["REVIEW_OPENED", "case_0000000000002_00000002"],
    ]);
    // The same event read again (a restart re-reading the range) opens nothing more.
    await store.write([{ type: "put", key: "cascade/cursor", value: 10 }]);
    expect(await c.poll()).to.equal(0);
    expect(opened).to.have.length(2);
    const audit = await createAuditLog(store).list({ limit: 100 });
    const reviews = audit.filter((e) => e.action === "reuse.source-revoked-review");
    expect(reviews.map((e) => e.details)).to.deep.include({
      sourceUid: uid(1),
      uid: uid(101),
      sourceReason: "DATA_CORRECTED",
      caseId: "case_0000000000001_00000001",
    });
  });
});
