/**
 * Duplicate identities wired to the vault (issue 21): entries sealed in the record's write, loaded at
 * start, found again after a restart, re-sealed with the record, and gone with it (erasure, retention).
 */
import { expect } from "chai";
import { seededRandom } from "../../../node/src/ekyc/checks/national-id/simulator/citizens.ts";
import type { FaceTemplate } from "../../../node/src/ekyc/biometrics/template.ts";
import { RULES_V1 } from "../../../node/src/ekyc/decision/rule-set.ts";
import {
  createDuplicateIdentities,
  type IdentityCandidate,
} from "../../../node/src/onboarding/duplicate-identities.ts";
import { indexEntryKey } from "../../../node/src/vault/index-entries.ts";
import { memoryVault, verifiedRecord } from "../vault/fixtures.ts";

const rand = seededRandom(21);
const face = (): FaceTemplate => ({
  modelId: "test-model",
  embedding: Float32Array.from({ length: 512 }, () => rand() - 0.5),
});
/** The same face seen again: a little noise, far above the same-face threshold. */
const again = (t: FaceTemplate): FaceTemplate => ({
  ...t,
  embedding: t.embedding.map((x) => x + (rand() - 0.5) * 0.05),
});
const person = (idNumber: string, template: FaceTemplate): IdentityCandidate => ({
  idNumber,
  oldIdNumber: "",
  template,
});

describe("duplicate identities kept in the vault", () => {
  const NOW = 1_800_000_000n;

  async function bankWith(people: readonly IdentityCandidate[]) {
    const setup = memoryVault();
    const deps = { ...setup, policy: RULES_V1.duplicates };
    const duplicates = createDuplicateIdentities(deps);
    const ids: string[] = [];
    for (const [n, p] of people.entries()) {
      const { record, attestation } = verifiedRecord(n);
      const meta = await setup.vault.storeVerifiedRecord({
        record,
        attestation: attestation(NOW),
        actor: "node",
        indexEntry: duplicates.entryOf(p),
      });
      duplicates.indexed(meta.id, p);
      ids.push(meta.id);
    }
    /** The node restarted: a fresh index loaded from the vault's sealed entries. */
    const restarted = async () => {
      const fresh = createDuplicateIdentities(deps);
      return { fresh, load: await fresh.load() };
    };
    return { ...setup, duplicates, ids, restarted };
  }

  const alice = face();
  const bob = face();
  const strangers = Array.from({ length: 50 }, (_, n) => person(`0790901${String(10000 + n)}`, face()));

  it("seals each entry under the record's key in the record's write: no clear number or template in the store", async () => {
    const { store, ids } = await bankWith([person("001090000001", alice)]);
    const stored = await store.get(indexEntryKey(ids[0]!));
    const text = JSON.stringify(stored);
    expect(text).to.not.include("001090000001");
    expect((stored as { keyId: string }).keyId).to.match(/^open\//);
    const record = (await store.get(`record/${ids[0]}`)) as { envelope: { keyId: string } };
    expect((stored as { keyId: string }).keyId).to.equal(record.envelope.keyId);
  });

  it("after a restart finds the same face under another number and the same number with another face", async () => {
    const { ids, vault, restarted } = await bankWith([
      person("001090000001", alice),
      person("001090000002", bob),
      ...strangers,
    ]);
    const { fresh, load } = await restarted();
    expect(load).to.include({ entries: 52, skipped: 0 });
    expect(fresh.size).to.equal(52);

    const sameFace = await fresh.check(person("001090099999", again(bob)));
    expect(sameFace).to.have.length(1);
    expect(sameFace[0]).to.include({
      kind: "SAME_FACE_OTHER_ID",
      recordId: ids[1],
      otherUid: (await vault.getRecordMeta(ids[1]!)).uid,
    });
    expect(sameFace[0]!.similarity).to.be.at.least(RULES_V1.duplicates.sameFaceAtLeast);

    const otherFace = await fresh.check(person("001090000001", face()));
    expect(otherFace.map((f) => [f.kind, f.recordId])).to.deep.equal([["SAME_ID_OTHER_FACE", ids[0]]]);
    expect(otherFace[0]!.similarity).to.be.below(RULES_V1.duplicates.otherFaceBelow);

    // A returning customer (same number, same face) and a stranger are no duplicates.
    expect(await fresh.check(person("001090000001", again(alice)))).to.deep.equal([]);
    expect(await fresh.check(person("001090088888", face()))).to.deep.equal([]);
  });

  it("learns the records another instance stored since it started, by following the audit log", async () => {
    const { vault, duplicates: first, restarted } = await bankWith([person("001090000001", alice)]);
    const { fresh: second } = await restarted();
    const { record, attestation } = verifiedRecord(7);
    const stored = await vault.storeVerifiedRecord({
      record,
      attestation: attestation(NOW),
      actor: "node",
      indexEntry: first.entryOf(person("001090000002", bob)),
    });
    // A record stored without an entry (a re-onboarding's) is passed over.
    const reuse = verifiedRecord(8);
    await vault.storeVerifiedRecord({ record: reuse.record, attestation: reuse.attestation(NOW), actor: "node" });
    expect(second.size).to.equal(1);

    const found = await second.check(person("001090099999", again(bob)));
    expect(found.map((f) => [f.kind, f.recordId])).to.deep.equal([["SAME_FACE_OTHER_ID", stored.id]]);
    expect(second.size).to.equal(2);
  });

  it("cards with no number read do not collide with each other by number", async () => {
    const noNumber = (t: FaceTemplate): IdentityCandidate => ({ idNumber: "", oldIdNumber: "", template: t });
    const { duplicates } = await bankWith([noNumber(alice)]);
    expect(await duplicates.check(noNumber(bob))).to.deep.equal([]);
  });

  it("an erased record leaves the index: its entry goes in the shredding write, and memory forgets it", async () => {
    const { store, vault, ids, duplicates, restarted } = await bankWith([person("001090000002", bob), ...strangers]);
    expect(await duplicates.check(person("001090099999", again(bob)))).to.have.length(1);
    await vault.shredRecord(ids[0]!, { actor: "dpo", reason: "erasure-request" });
    expect(await store.get(indexEntryKey(ids[0]!))).to.equal(undefined);
    // The running index learns it at the next hit: the vault says the record is gone.
    expect(await duplicates.check(person("001090099999", again(bob)))).to.deep.equal([]);
    expect(duplicates.size).to.equal(50);
    const { fresh, load } = await restarted();
    expect(load.entries).to.equal(50);
    expect(await fresh.check(person("001090099999", again(bob)))).to.deep.equal([]);
  });

  it("moves with its record at account closure and leaves with it at the end of retention", async () => {
    const { store, vault, ids, restarted } = await bankWith([person("001090000002", bob)]);
    await vault.closeAccount(ids[0]!, { closedAt: new Date("2027-02-01T00:00:00Z"), actor: "op" });
    const record = (await store.get(`record/${ids[0]}`)) as { envelope: { keyId: string } };
    const entry = (await store.get(indexEntryKey(ids[0]!))) as { keyId: string };
    expect(entry.keyId)
      .to.equal(record.envelope.keyId)
      .and.match(/^until\//);
    expect((await restarted()).load.entries).to.equal(1);
    expect(await vault.sweepRetention(new Date("2032-02-01T00:00:00Z"))).to.deep.equal([ids[0]]);
    expect(await store.get(indexEntryKey(ids[0]!))).to.equal(undefined);
    expect((await restarted()).load.entries).to.equal(0);
  });

  it("skips an entry that does not open (damaged) without failing the start", async () => {
    const { store, ids, restarted } = await bankWith([person("001090000001", alice), person("001090000002", bob)]);
    const damaged = (await store.get(indexEntryKey(ids[0]!))) as Record<string, unknown>;
    await store.write([
      { type: "put", key: indexEntryKey(ids[0]!), value: { ...damaged, tag: "AAAAAAAAAAAAAAAAAAAAAA==" } },
    ]);
    const { load } = await restarted();
    expect(load).to.include({ entries: 1, skipped: 1 });
  });
});
