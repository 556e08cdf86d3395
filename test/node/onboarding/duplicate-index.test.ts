/**
 * The in-bank duplicate-identity index: the same number with another face, the same face under
 * another number, nothing for a returning customer or a stranger, and no clear number kept.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { DuplicateIndex } from "../../../node/src/onboarding/duplicate-index.ts";
import { seededRandom } from "../../../node/src/ekyc/checks/national-id/simulator/citizens.ts";

// As the face model: random 512-dimension faces are far apart (cosine sd about 0.044), as different people are.
const DIMS = 512;
const rand = seededRandom(3);
function face(): Float32Array {
  return Float32Array.from({ length: DIMS }, () => rand() - 0.5);
}
/** The same face seen again: a little noise, similarity well above the accept band. */
function again(f: Float32Array): Float32Array {
  return f.map((x) => x + (rand() - 0.5) * 0.05);
}

describe("DuplicateIndex", () => {
  const options = { idKey: randomBytes(32), dimensions: DIMS, sameFaceAtLeast: 0.39, otherFaceBelow: 0.25 };
  const alice = face();
  const bob = face();
  let index: DuplicateIndex;
  beforeEach(() => {
    index = new DuplicateIndex(options);
    index.add({ recordId: "rec_alice", idNumber: "001090000001", embedding: alice });
    index.add({ recordId: "rec_bob", idNumber: "001090000002", embedding: bob });
    for (let n = 0; n < 2_000; n++)
      index.add({ recordId: `rec_${n}`, idNumber: `0790900${10000 + n}`, embedding: face() });
  });

  it("finds nothing for a returning customer (same number, same face) or a new stranger", () => {
    expect(index.check({ idNumber: "001090000001", embedding: again(alice) })).to.deep.equal([]);
    expect(index.check({ idNumber: "001090099999", embedding: face() })).to.deep.equal([]);
  });

  it("finds the same number with another face", () => {
    const findings = index.check({ idNumber: "001090000001", embedding: bob });
    expect(findings.map((f) => [f.kind, f.recordId])).to.deep.include(["SAME_ID_OTHER_FACE", "rec_alice"]);
  });

  it("finds the same face under another number", () => {
    const findings = index.check({ idNumber: "001090099999", embedding: again(bob) });
    expect(findings).to.have.length(1);
    expect(findings[0]).to.include({ kind: "SAME_FACE_OTHER_ID", recordId: "rec_bob" });
    expect(findings[0]!.similarity).to.be.above(0.9);
  });

  it("forgets a removed record, by face and by number, and indexes it again when added back", () => {
    expect(index.remove("rec_bob")).to.equal(true);
    expect(index.remove("rec_bob")).to.equal(false);
    expect(index.has("rec_bob")).to.equal(false);
    expect(index.size).to.equal(2_001);
    expect(index.check({ idNumber: "001090099999", embedding: again(bob) })).to.deep.equal([]);
    // Bob's number no longer leads to him (alice's face under it still finds alice, by face).
    const underBobsNumber = index.check({ idNumber: "001090000002", embedding: alice });
    expect(underBobsNumber.map((f) => [f.kind, f.recordId])).to.deep.equal([["SAME_FACE_OTHER_ID", "rec_alice"]]);
    index.add({ recordId: "rec_bob", idNumber: "001090000002", embedding: bob });
    expect(index.check({ idNumber: "001090099999", embedding: again(bob) }).map((f) => f.recordId)).to.deep.equal([
      "rec_bob",
    ]);
  });

  it("keys the number lookup with the bank's secret: another key, another value, and never the number", () => {
    const other = new DuplicateIndex({ ...options, idKey: randomBytes(32) });
    expect(index.idKeyOf("001090000001")).to.not.equal(other.idKeyOf("001090000001"));
    expect(index.idKeyOf("001090000001")).to.not.include("001090000001");
  });

  it("refuses a short key, a wrong-sized or zero embedding", () => {
    expect(() => new DuplicateIndex({ ...options, idKey: randomBytes(16) })).to.throw(/idKey/);
    expect(() => index.check({ idNumber: "1", embedding: new Float32Array(DIMS + 1) })).to.throw(/dimensions/);
    expect(() => index.check({ idNumber: "1", embedding: new Float32Array(DIMS) })).to.throw(/non-zero/);
  });
});
