import { expect } from "chai";
import { entryFingerprint, snapshotDelta } from "../../../../../node/src/ekyc/checks/sanctions/delta.ts";
import type { SanctionsEntry } from "../../../../../node/src/ekyc/checks/sanctions/port.ts";
import { fixtureSnapshot } from "./compliance.ts";

describe("sanctions snapshot delta", () => {
  const snapshot = fixtureSnapshot();
  const fingerprints = new Map(snapshot.entries.map((e) => [e.id, entryFingerprint(e)]));

  it("is everything against nothing screened yet, and nothing against the same publication", () => {
    const first = snapshotDelta(new Map(), snapshot);
    expect(first.changed.map((e) => e.id)).to.deep.equal(snapshot.entries.map((e) => e.id));
    expect(first.removed).to.deep.equal([]);
    const again = snapshotDelta(first.fingerprints, snapshot);
    expect(again.changed).to.deep.equal([]);
    expect(again.removed).to.deep.equal([]);
  });

  it("finds a new entry, an amended one (a new alias) and a removed one, and nothing else", () => {
    const [amended, removed, ...rest] = snapshot.entries as [SanctionsEntry, SanctionsEntry, ...SanctionsEntry[]];
    const added: SanctionsEntry = { ...amended, id: "UN:TEST-NEW", names: ["Lê Thị Mới"] };
    const next = {
      version: "next",
      entries: [{ ...amended, names: [...amended.names, "Another Alias"] }, ...rest, added],
    };
    const delta = snapshotDelta(fingerprints, next);
    expect(delta.changed.map((e) => e.id)).to.deep.equal([amended.id, added.id]);
    expect(delta.removed).to.deep.equal([removed.id]);
    expect(delta.fingerprints.size).to.equal(next.entries.length);
  });

  it("fingerprints content, not identity: a changed date of birth changes it, an equal copy does not", () => {
    const e = snapshot.entries[0]!;
    expect(entryFingerprint({ ...e })).to.equal(entryFingerprint(e));
    expect(entryFingerprint({ ...e, datesOfBirth: [{ fromYear: 1950, toYear: 1950 }] })).not.to.equal(
      entryFingerprint(e),
    );
  });
});
