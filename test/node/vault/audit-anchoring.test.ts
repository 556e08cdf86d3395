/**
 * When the audit head is anchored alone (unit level: an in-memory store, a clock the test moves, and
 * a ledger that records what it is asked to send; the real chain is in audit-anchor.test.ts): only
 * after the interval without an anchor, only when the log grew, never for an empty log, and the
 * interval restarts at each anchor, including one that rode with a batch.
 */
import { expect } from "chai";
import type { Hex } from "@kycnet/sdk/protocol";
import type { AuditHeadToAnchor, LedgerClient } from "../../../node/src/ledger/ledger-client.ts";
import { createAuditAnchoring, lastAnchorOps } from "../../../node/src/vault/audit-anchoring.ts";
import { createAuditLog } from "../../../node/src/vault/audit-log.ts";
import { createMemoryRecordStore } from "../../../node/src/vault/store/memory/memory-record-store.ts";

const MINUTE = 60_000;

function setup() {
  let now = Date.parse("2027-01-01T00:00:00Z");
  const clock = () => new Date(now);
  const store = createMemoryRecordStore();
  const audit = createAuditLog(store, clock);
  const sent: AuditHeadToAnchor[] = [];
  const ledger = {
    anchorAuditHead: async (head: AuditHeadToAnchor) => {
      sent.push(head);
      return { txHash: `0x${"ab".repeat(32)}` as Hex, blockNumber: sent.length, gasUsed: 0n };
    },
  } as unknown as LedgerClient;
  const anchoring = createAuditAnchoring({ store, audit, ledger, intervalMs: 15 * MINUTE, clock });
  const advance = (ms: number) => {
    now += ms;
  };
  const append = () => audit.append({ actor: "op", action: "test.event", target: "t" });
  return { store, audit, anchoring, sent, advance, append, clock };
}

describe("node/vault audit-only anchoring", () => {
  it("anchors nothing for an empty log, however long it waits", async () => {
    const { anchoring, sent, advance } = setup();
    advance(60 * MINUTE);
    expect(await anchoring.anchorIfDue()).to.equal(null);
    expect(sent).to.deep.equal([]);
  });

  it("anchors the head once the interval has passed since start, and not before", async () => {
    const { anchoring, sent, advance, append, audit } = setup();
    await append();
    await append();
    advance(14 * MINUTE);
    expect(await anchoring.anchorIfDue()).to.equal(null);
    advance(MINUTE);
    const head = await audit.head();
    expect(await anchoring.anchorIfDue()).to.deep.equal({ count: 2, hash: head.hash });
    expect(sent).to.deep.equal([{ count: 2, hash: head.hash }]);
  });

  it("does not anchor again while the log has not grown, and again one interval after it grew", async () => {
    const { anchoring, sent, advance, append } = setup();
    await append();
    advance(15 * MINUTE);
    await anchoring.anchorIfDue();
    advance(60 * MINUTE);
    expect(await anchoring.anchorIfDue(), "nothing new").to.equal(null);
    await append();
    expect((await anchoring.anchorIfDue())?.count, "an hour since the last anchor").to.equal(2);
    await append();
    advance(5 * MINUTE);
    expect(await anchoring.anchorIfDue(), "5 minutes since the last anchor").to.equal(null);
    expect(sent.map((h) => h.count)).to.deep.equal([1, 2]);
  });

  it("counts a head that rode with a batch as the last anchor", async () => {
    const { anchoring, sent, advance, append, store, clock, audit } = setup();
    await append();
    advance(20 * MINUTE);
    const head = await audit.head();
    await store.write(lastAnchorOps({ count: head.seq, hash: head.hash, txHash: null, at: clock().toISOString() }));
    await append();
    advance(10 * MINUTE);
    expect(await anchoring.anchorIfDue()).to.equal(null);
    advance(5 * MINUTE);
    expect((await anchoring.anchorIfDue())?.count).to.equal(2);
    expect(sent.map((h) => h.count)).to.deep.equal([2]);
  });
});
