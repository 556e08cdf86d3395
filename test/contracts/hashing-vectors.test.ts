import { expect } from "chai";
import { network } from "hardhat";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SimpleMerkleTree, StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { TypedDataEncoder, ZeroHash, getAddress, hexlify, id, randomBytes, type Contract } from "ethers";
import {
  bind, expectedUid, GRANT_TYPES, makeRecord, Method, REVOCATION_TYPES, type AttestationData, type HarnessFn,
} from "./helpers.ts";

const { ethers, networkHelpers } = await network.create();
// Bound: loadFixture is a method of the helpers object (the lazy implementation reads `this`).
const loadFixture = networkHelpers.loadFixture.bind(networkHelpers);

const VECTORS_PATH = fileURLToPath(new URL("../vectors/commitments.json", import.meta.url));

/** test/vectors/commitments.json as the SDK's generator writes it (numbers as decimal strings). */
interface Domain { name: string; version: string; chainId: string; verifyingContract: string }
interface SharedVectors {
  uids?: { chainId: string; registry: string; issuer: string; data: Record<keyof AttestationData, string | number>; uid: string }[];
  batches?: { uids: string[]; root: string; proofs: string[][] }[];
  grants?: { domain: Domain; grant: Record<string, string | number>; structHash: string; digest: string }[];
  revocations?: { domain: Domain; revocation: Record<string, string | number>; structHash: string; digest: string }[];
  records?: { leaves: { name: string; value: string; salt: string; leaf: string }[]; root: string; proofs: Record<string, string[]> }[];
}

const GRANT_TYPE =
  "ConsentGrant(bytes32 attestationUid,address grantee,uint8 purpose,uint32 fieldMask,uint64 validUntil,uint256 nonce,uint64 deadline)";
const REVOCATION_TYPE = "ConsentRevocation(bytes32 consentId,uint256 nonce,uint64 deadline)";

describe("KycnetHashing", function () {
  async function deployHarness(): Promise<Contract> {
    return await ethers.deployContract("KycnetHashingHarness");
  }
  const harness = async () => bind<HarnessFn>(await loadFixture(deployHarness));

  describe("attestationUid", function () {
    it("matches the protocol §3 encoding computed with ethers", async function () {
      const h = await harness();
      const t = 1_760_000_000n;
      const records = [
        makeRecord(t),
        makeRecord(t, { method: Method.REUSE, refCommitment: id("source"), assuranceLevel: 2 }),
        makeRecord(0n, { expiresAt: 2n ** 64n - 1n, pipelineVersion: ZeroHash }),
      ];
      for (const [chainId, registry, issuer] of [
        [31337n, getAddress(hexlify(randomBytes(20))), getAddress(hexlify(randomBytes(20)))],
        [2n ** 256n - 1n, ethers.ZeroAddress, ethers.ZeroAddress],
      ] as const) {
        for (const r of records) {
          expect(await h.attestationUid(chainId, registry, issuer, r)).to.equal(expectedUid(chainId, registry, issuer, r));
        }
      }
    });
  });

  describe("batchRoot", function () {
    it("equals SimpleMerkleTree.of(uids, { sortLeaves: false }).root for 1..33 leaves, and its proofs verify", async function () {
      const h = await harness();
      for (let n = 1; n <= 33; n++) {
        const uids = Array.from({ length: n }, () => hexlify(randomBytes(32)));
        const tree = SimpleMerkleTree.of(uids, { sortLeaves: false });
        expect(await h.batchRoot(uids), `n=${n}`).to.equal(tree.root);
        for (const i of new Set([0, n - 1, Math.floor(n / 2)])) {
          expect(await h.verifyProof(tree.getProof(i), tree.root, uids[i]!)).to.equal(true);
        }
      }
    });

    it("depends on leaf order (leaves are not sorted)", async function () {
      const h = await harness();
      const uids = [id("1"), id("2"), id("3")];
      expect(await h.batchRoot(uids)).to.not.equal(await h.batchRoot([...uids].reverse()));
    });
  });

  describe("recordLeaf", function () {
    it("equals the StandardMerkleTree leaf of (string name, string value, bytes32 salt), and record proofs verify", async function () {
      const h = await harness();
      const values: [string, string, string][] = [
        ["idNumber", "001203004567", hexlify(randomBytes(32))],
        ["oldIdNumber", "", hexlify(randomBytes(32))],
        ["fullName", "NGUYỄN THỊ ÁNH TUYẾT", hexlify(randomBytes(32))],
      ];
      const tree = StandardMerkleTree.of(values, ["string", "string", "bytes32"]);
      for (const [i, v] of values.entries()) {
        const leaf = await h.recordLeaf(...v);
        expect(leaf).to.equal(tree.leafHash(v));
        expect(await h.verifyProof(tree.getProof(i), tree.root, leaf)).to.equal(true);
      }
    });
  });

  describe("EIP-712", function () {
    const domain = { name: "kycnet ConsentRegistry", version: "1", chainId: 31337n, verifyingContract: getAddress(id("registry").slice(0, 42)) };
    const grant = {
      attestationUid: id("uid"), grantee: getAddress(id("bank").slice(0, 42)), purpose: 2, fieldMask: 0x7ff,
      validUntil: 1_900_000_000n, nonce: 2n ** 200n, deadline: 1_800_000_000n,
    };
    const revocation = { consentId: id("consent"), nonce: 5n, deadline: 1_800_000_000n };

    it("uses the protocol §4 type strings", async function () {
      const h = await harness();
      const [domainType, grantType, revocationType] = await h.typehashes();
      expect(domainType).to.equal(id("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"));
      expect(grantType).to.equal(id(GRANT_TYPE));
      expect(revocationType).to.equal(id(REVOCATION_TYPE));
      expect(TypedDataEncoder.from(GRANT_TYPES).encodeType("ConsentGrant")).to.equal(GRANT_TYPE);
      expect(TypedDataEncoder.from(REVOCATION_TYPES).encodeType("ConsentRevocation")).to.equal(REVOCATION_TYPE);
    });

    it("hashes grants, revocations, the domain and digests as ethers does", async function () {
      const h = await harness();
      const grantHash = await h.consentGrantHash(grant);
      expect(grantHash).to.equal(TypedDataEncoder.hashStruct("ConsentGrant", GRANT_TYPES, grant));
      const revocationHash = await h.consentRevocationHash(revocation);
      expect(revocationHash).to.equal(TypedDataEncoder.hashStruct("ConsentRevocation", REVOCATION_TYPES, revocation));
      const separator = await h.consentDomainSeparator(domain.chainId, domain.verifyingContract);
      expect(separator).to.equal(TypedDataEncoder.hashDomain(domain));
      expect(await h.typedDataDigest(separator, grantHash)).to.equal(TypedDataEncoder.hash(domain, GRANT_TYPES, grant));
      expect(await h.typedDataDigest(separator, revocationHash)).to.equal(TypedDataEncoder.hash(domain, REVOCATION_TYPES, revocation));
    });
  });

  describe("shared vectors (test/vectors/commitments.json)", function () {
    if (!existsSync(VECTORS_PATH)) {
      it.skip("test/vectors/commitments.json is absent: the SDK's vector generator has not written it yet");
      return;
    }
    const vectors = JSON.parse(readFileSync(VECTORS_PATH, "utf8")) as SharedVectors;
    const section = <T>(name: keyof SharedVectors, list: T[] | undefined, check: (v: T, i: number) => Promise<void>) => {
      if (list === undefined || list.length === 0) {
        it.skip(`"${name}" is missing or empty in commitments.json`);
        return;
      }
      it(`reproduces every "${name}" vector (${list.length})`, async function () {
        for (const [i, v] of list.entries()) await check(v, i);
      });
    };

    section("uids", vectors.uids, async (v, i) => {
      const h = await harness();
      expect(await h.attestationUid(v.chainId, v.registry, v.issuer, v.data), `uids[${i}]`).to.equal(v.uid);
    });

    section("batches", vectors.batches, async (v, i) => {
      const h = await harness();
      expect(await h.batchRoot(v.uids), `batches[${i}].root`).to.equal(v.root);
      expect(SimpleMerkleTree.of(v.uids, { sortLeaves: false }).root, `batches[${i}] vs library`).to.equal(v.root);
      for (const [j, proof] of v.proofs.entries()) {
        expect(await h.verifyProof(proof, v.root, v.uids[j]!), `batches[${i}].proofs[${j}]`).to.equal(true);
      }
    });

    section("grants", vectors.grants, async (v, i) => {
      const h = await harness();
      const structHash = await h.consentGrantHash(v.grant);
      expect(structHash, `grants[${i}].structHash`).to.equal(v.structHash);
      const separator = await h.consentDomainSeparator(v.domain.chainId, v.domain.verifyingContract);
      expect(v.domain.name).to.equal("kycnet ConsentRegistry");
      expect(v.domain.version).to.equal("1");
      expect(await h.typedDataDigest(separator, structHash), `grants[${i}].digest`).to.equal(v.digest);
    });

    section("revocations", vectors.revocations, async (v, i) => {
      const h = await harness();
      const structHash = await h.consentRevocationHash(v.revocation);
      expect(structHash, `revocations[${i}].structHash`).to.equal(v.structHash);
      const separator = await h.consentDomainSeparator(v.domain.chainId, v.domain.verifyingContract);
      expect(await h.typedDataDigest(separator, structHash), `revocations[${i}].digest`).to.equal(v.digest);
    });

    section("records", vectors.records, async (v, i) => {
      const h = await harness();
      expect(v.leaves).to.have.length(11);
      for (const leaf of v.leaves) {
        expect(await h.recordLeaf(leaf.name, leaf.value, leaf.salt), `records[${i}].${leaf.name}`).to.equal(leaf.leaf);
        const proof = v.proofs[leaf.name];
        expect(proof, `records[${i}].proofs.${leaf.name}`).to.not.equal(undefined);
        expect(await h.verifyProof(proof!, v.root, leaf.leaf), `records[${i}].proofs.${leaf.name}`).to.equal(true);
      }
    });
  });
});
