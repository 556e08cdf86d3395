import { expect } from "chai";
import { IndexedSanctionsList } from "../../../node/src/ekyc/checks/sanctions/indexed-list.ts";
import type { SanctionsEntry, SanctionsSnapshot } from "../../../node/src/ekyc/checks/sanctions/port.ts";
import { createRescreening, RESCREEN_ACTOR } from "../../../node/src/onboarding/rescreening.ts";
import { createReviewQueue } from "../../../node/src/onboarding/review/review-queue.ts";
import type { AuditLog } from "../../../node/src/vault/audit-log.ts";
import { memoryVault, verifiedRecord } from "../vault/fixtures.ts";

/** Customers with names far apart, so that a listed name hits one of them only. */
const NAMES = ["Trần Thị Bích Ngọc", "Lê Quang Vinh", "Phạm Minh Châu", "Hoàng Đức Anh", "Vũ Thanh Hương"];

/** An individual on the list under the name and birth date of customer n. */
const listed = (id: string, n: number): SanctionsEntry => ({
  id,
  source: "UN_CONSOLIDATED",
  reference: id,
  kind: "INDIVIDUAL",
  names: [NAMES[n]!],
  datesOfBirth: [{ fromYear: 1990, toYear: 1990, date: "1990-01-31" }],
  nationalities: ["VNM"],
  programs: [],
});
const unrelated = (id: string): SanctionsEntry => ({ ...listed(id, 0), names: ["Somebody Else Entirely"] });

describe("re-screening standing customers when the sanctions lists change", () => {
  const setup = async (customers: number) => {
    const { store, audit, vault } = memoryVault();
    const review = createReviewQueue({ store, vault, audit });
    const ids: string[] = [];
    for (let n = 0; n < customers; n += 1) {
      const { record, attestation } = verifiedRecord(n, { fullName: NAMES[n]! });
      ids.push(
        (await vault.storeVerifiedRecord({ record, attestation: attestation(1_800_000_000n), actor: "node" })).id,
      );
    }
    const rescreening = createRescreening({
      store,
      vault,
      review,
      audit,
      listOf: (snapshot) => new IndexedSanctionsList(snapshot),
      progressEvery: 2,
    });
    return { store, audit, vault, review, ids, rescreening };
  };
  const opens = async (audit: AuditLog) =>
    (await audit.list({ limit: 1_000 })).filter((e) => e.action === "record.opened").length;

  it("opens a RESCREEN case for a customer an added entry hits, leaving the anchored record as it is", async () => {
    const { rescreening, review, vault, ids } = await setup(5);
    const first: SanctionsSnapshot = { version: "v1", entries: [unrelated("UN:1")] };
    expect(await rescreening.screenChanges(first)).to.deep.include({ changedEntries: 1, screened: 5, hits: 0 });

    const second: SanctionsSnapshot = { version: "v2", entries: [unrelated("UN:1"), listed("UN:2", 3)] };
    const summary = await rescreening.screenChanges(second);
    expect(summary).to.deep.equal({
      listVersion: "v2",
      changedEntries: 1,
      removedEntries: 0,
      screened: 5,
      hits: 1,
      casesOpened: 1,
    });
    const { cases } = await review.list({ status: "OPEN", limit: 10 });
    expect(cases).to.have.length(1);
    const c = cases[0]!;
    expect(c.kind).to.equal("RESCREEN");
    expect(c.recordId).to.equal(ids[3]);
    expect(c.decision.decision).to.equal("REVIEW");
    expect(c.decision.reasons.map((r) => r.code)).to.deep.equal(["SANCTIONS_HIT_STRONG"]);

    // Resolving it changes the case only: the record stays ACTIVE, not shredded nor re-queued.
    await review.claim(c.caseId, "reviewer-1");
    const resolved = await review.reject(c.caseId, "reviewer-1", "confirmed: same person as UN:2");
    expect(resolved.status).to.equal("REJECTED");
    expect((await vault.getRecordMeta(ids[3]!)).status).to.equal("ACTIVE");
  });

  it("screens nothing, and opens no record, when the publication changed nothing", async () => {
    const { rescreening, audit } = await setup(3);
    const snapshot: SanctionsSnapshot = { version: "v1", entries: [listed("UN:2", 1)] };
    await rescreening.screenChanges(snapshot);
    const openedBefore = await opens(audit);
    expect(openedBefore).to.equal(3);
    const again = await rescreening.screenChanges({ ...snapshot, version: "v1-again" });
    expect(again).to.deep.include({ changedEntries: 0, screened: 0, casesOpened: 0 });
    expect(await opens(audit)).to.equal(openedBefore);
  });

  it("never opens a second case for the same record and entry, even when a run is redone", async () => {
    const { rescreening, review, store } = await setup(2);
    const snapshot: SanctionsSnapshot = { version: "v1", entries: [listed("UN:9", 1)] };
    await rescreening.screenChanges(snapshot);
    // Forget what was screened, as after a run cut short: the same hit comes back, no new case.
    for await (const [key] of store.range({ prefix: "sanctions/screened/" })) await store.write([{ type: "del", key }]);
    expect(await rescreening.screenChanges(snapshot)).to.deep.include({ hits: 1, casesOpened: 0 });
    expect((await review.list({ limit: 10 })).cases).to.have.length(1);
    // An amended entry (new alias) is screened again; it still hits the same person, still one case.
    const amended = { ...listed("UN:9", 1), names: [NAMES[1]!, "Vinh Le Quang"] };
    expect(await rescreening.screenChanges({ version: "v2", entries: [amended] })).to.deep.include({
      changedEntries: 1,
      hits: 1,
      casesOpened: 0,
    });
  });

  it("marks nothing screened when a run is cut short, so the next run screens the change again", async () => {
    const { rescreening, store } = await setup(3);
    const stop = new AbortController();
    stop.abort(new Error("node stopping"));
    const snapshot: SanctionsSnapshot = { version: "v1", entries: [listed("UN:2", 1)] };
    let failure: unknown;
    await rescreening.screenChanges(snapshot, stop.signal).catch((e: unknown) => (failure = e));
    expect(String(failure)).to.contain("node stopping");
    let kept = 0;
    for await (const _ of store.range({ prefix: "sanctions/screened/" })) kept += 1;
    expect(kept).to.equal(0);
    expect(await rescreening.screenChanges(snapshot)).to.deep.include({ changedEntries: 1, screened: 3, hits: 1 });
  });

  it("audits the run with its counts and each record it opened, under its own actor", async () => {
    const { rescreening, audit } = await setup(2);
    await rescreening.screenChanges({ version: "v1", entries: [listed("UN:2", 0)] });
    const entries = await audit.list({ limit: 100 });
    const run = entries.find((e) => e.action === "sanctions.rescreened");
    expect(run?.details).to.deep.include({ listVersion: "v1", screened: 2, hits: 1, casesOpened: 1 });
    expect(entries.filter((e) => e.action === "record.opened" && e.actor === RESCREEN_ACTOR)).to.have.length(2);
    expect(JSON.stringify(entries)).not.to.contain("Trần");
  });
});
