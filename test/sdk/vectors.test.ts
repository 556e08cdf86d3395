/**
 * The SDK reproduces every value of the shared vectors (test/vectors/commitments.json), which the
 * Solidity harness tests check too: TypeScript and Solidity agree byte for byte.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import {
  attestationUid,
  buildBatch,
  commitRecord,
  consentGrantDigest,
  consentIdOf,
  consentRevocationDigest,
  documentNumberKind,
  fieldLeaf,
  revocationStructHash,
  toAttestationData,
  toConsentGrant,
  toConsentRevocation,
  verifyBatchInclusion,
  verifyFieldDisclosure,
  RECORD_FIELDS,
  type FieldSalts,
  type Hex,
  type RecordField,
} from "@kycnet/sdk/protocol";

interface Vectors {
  records: Array<{
    input: Record<string, string>;
    leaves: Array<{ name: RecordField; value: string; salt: Hex; leaf: Hex }>;
    root: Hex;
    proofs: Record<string, Hex[]>;
  }>;
  uids: Array<{ chainId: string; registry: Hex; issuer: Hex; data: Record<string, string>; uid: Hex }>;
  batches: Array<{ uids: Hex[]; root: Hex; proofs: Hex[][] }>;
  grants: Array<{
    domain: { chainId: string; verifyingContract: Hex };
    grant: Record<string, string>;
    structHash: Hex;
    digest: Hex;
  }>;
  revocations: Array<{
    domain: { chainId: string; verifyingContract: Hex };
    revocation: Record<string, string>;
    structHash: Hex;
    digest: Hex;
  }>;
}

const vectors = JSON.parse(readFileSync(new URL("../vectors/commitments.json", import.meta.url), "utf8")) as Vectors;

describe("sdk/protocol shared vectors", () => {
  it("has vectors for every part of the protocol", () => {
    expect(vectors.records.length).to.be.greaterThan(0);
    expect(vectors.uids.length).to.be.greaterThan(0);
    expect(vectors.batches.length).to.be.greaterThan(0);
    expect(vectors.grants.length).to.be.greaterThan(0);
    expect(vectors.revocations.length).to.be.greaterThan(0);
  });

  it("has records of both document number kinds, a passport's naming its issuing state", () => {
    const kinds = vectors.records.map((r) => documentNumberKind(r.leaves.find((l) => l.name === "idNumber")!.value));
    expect(kinds).to.include("CITIZEN_ID").and.to.include("PASSPORT");
    const passport = vectors.records.find((r) => r.input.documentType === "PASSPORT")!;
    expect(passport.leaves.find((l) => l.name === "idNumber")!.value).to.equal("P:UTO:L898902C3");
  });

  vectors.records.forEach((v, i) => {
    it(`record ${i}: leaves, root and every field proof`, () => {
      const salts = Object.fromEntries(v.leaves.map((l) => [l.name, l.salt])) as FieldSalts;
      const commitment = commitRecord(v.input, salts);
      expect(commitment.root).to.equal(v.root);
      for (const leaf of v.leaves) {
        expect(commitment.fields[leaf.name]).to.equal(leaf.value);
        expect(fieldLeaf(leaf.name, leaf.value, leaf.salt)).to.equal(leaf.leaf);
        expect(verifyFieldDisclosure(v.root, { ...leaf, proof: v.proofs[leaf.name]! })).to.equal(true);
      }
      expect(v.leaves.map((l) => l.name)).to.deep.equal([...RECORD_FIELDS]);
    });
  });

  vectors.uids.forEach((v, i) => {
    it(`uid ${i} on chain ${v.chainId}`, () => {
      const data = toAttestationData(v.data);
      expect(attestationUid({ chainId: BigInt(v.chainId), registry: v.registry }, v.issuer, data)).to.equal(v.uid);
    });
  });

  vectors.batches.forEach((v) => {
    it(`batch of ${v.uids.length}: root and inclusion proofs`, () => {
      const batch = buildBatch(v.uids);
      expect(batch.root).to.equal(v.root);
      v.uids.forEach((uid, i) => {
        expect(batch.proofOf(i)).to.deep.equal(v.proofs[i]);
        expect(verifyBatchInclusion(v.root, uid, v.proofs[i]!)).to.equal(true);
      });
    });
  });

  vectors.grants.forEach((v, i) => {
    it(`consent grant ${i}: consent id and EIP-712 digest`, () => {
      const grant = toConsentGrant(v.grant);
      const domain = { chainId: BigInt(v.domain.chainId), verifyingContract: v.domain.verifyingContract };
      expect(consentIdOf(grant)).to.equal(v.structHash);
      expect(consentGrantDigest(domain, grant)).to.equal(v.digest);
    });
  });

  vectors.revocations.forEach((v, i) => {
    it(`consent revocation ${i}: struct hash and EIP-712 digest`, () => {
      const revocation = toConsentRevocation(v.revocation);
      const domain = { chainId: BigInt(v.domain.chainId), verifyingContract: v.domain.verifyingContract };
      expect(revocationStructHash(revocation)).to.equal(v.structHash);
      expect(consentRevocationDigest(domain, revocation)).to.equal(v.digest);
    });
  });
});
