/**
 * Writes test/vectors/commitments.json: the byte-level test vectors shared by the SDK tests and
 * the Solidity harness tests (docs/protocol.md). Deterministic: salts and keys derive from fixed
 * labels, so re-running it yields the same file. Run: node --import tsx scripts/gen-vectors.ts
 */
import { writeFileSync } from "node:fs";
import { id, Wallet } from "ethers";
import {
  attestationUid,
  buildBatch,
  commitRecord,
  consentGrantDigest,
  consentIdOf,
  consentRevocationDigest,
  discloseFields,
  encodePipelineVersion,
  fieldLeaf,
  Method,
  Purpose,
  RECORD_FIELDS,
  revocationStructHash,
  type AttestationData,
  type FieldSalts,
  type Hex,
  type RecordField,
} from "@kycnet/sdk/protocol";

const saltsFor = (label: string): FieldSalts =>
  Object.fromEntries(RECORD_FIELDS.map((f) => [f, id(`kycnet/vector/${label}/${f}`) as Hex])) as FieldSalts;

const people = [
  {
    idNumber: "001203004567",
    oldIdNumber: "012345678",
    fullName: "  Nguyễn   Thị Ánh  Tuyết ",
    dateOfBirth: "2003-02-14",
    sex: "F",
    nationality: "vnm",
    address: "Số 12 Ngõ 45, Phường Láng Hạ, Quận Đống Đa, Hà Nội",
    issueDate: "2021-06-01",
    expiryDate: "2028-02-14",
    documentType: "CCCD",
    faceTemplate: id("face-template-1"),
  },
  {
    idNumber: "079090001234",
    fullName: "TRẦN VĂN ĐỨC",
    dateOfBirth: "1990-11-30",
    sex: "M",
    nationality: "VNM",
    address: "Ấp 3, Xã Tân Thạnh Đông, Huyện Củ Chi, TP. Hồ Chí Minh",
    issueDate: "2022-01-15",
    documentType: "CCCD_CHIP",
    faceTemplate: id("face-template-2"),
  },
  // A foreign national onboarded with a passport (ICAO 9303's specimen): the idNumber names the
  // kind and the issuing state; a passport's data page has no address, no issue date in its MRZ.
  {
    idNumber: "p:uto:l898902c3",
    fullName: "Eriksson  Anna María",
    dateOfBirth: "1974-08-12",
    sex: "F",
    nationality: "UTO",
    expiryDate: "2032-04-15",
    documentType: "PASSPORT",
    faceTemplate: id("face-template-3"),
  },
  // Germany's one-letter state code (printed D<< in the MRZ), as issuing state and nationality.
  {
    idNumber: "P:D:C01X00T47",
    fullName: "MUSTERMANN ERIKA",
    dateOfBirth: "1983-08-12",
    sex: "F",
    nationality: "D",
    address: "",
    issueDate: "",
    expiryDate: "2031-10-31",
    documentType: "PASSPORT",
    faceTemplate: id("face-template-4"),
  },
];

const bigintJson = (_: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);

const records = people.map((person, i) => {
  const commitment = commitRecord(person, saltsFor(`person-${i}`));
  const disclosures = discloseFields(commitment, [...RECORD_FIELDS]);
  return {
    input: person,
    leaves: RECORD_FIELDS.map((name: RecordField) => ({
      name,
      value: commitment.fields[name],
      salt: commitment.salts[name],
      leaf: fieldLeaf(name, commitment.fields[name], commitment.salts[name]),
    })),
    root: commitment.root,
    proofs: Object.fromEntries(disclosures.map((d) => [d.name, d.proof])),
  };
});

const registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Hex;
const issuer = new Wallet(id("kycnet/vector/issuer")).address as Hex;
const subject = new Wallet(id("kycnet/vector/subject")).address as Hex;
const data: AttestationData[] = records.map((r, i) => ({
  subject,
  recordRoot: r.root,
  method: i === 1 ? Method.FULL_EKYC_NFC : Method.FULL_EKYC,
  assuranceLevel: i === 1 ? 2 : 1,
  pipelineVersion: encodePipelineVersion("ekyc/0.1.0"),
  issuedAt: 1_760_000_000n + BigInt(i),
  expiresAt: 1_860_000_000n,
  refCommitment: ("0x" + "00".repeat(32)) as Hex,
}));
const uids = [31337n, 1n].flatMap((chainId) =>
  data.map((d) => ({ chainId, registry, issuer, data: d, uid: attestationUid({ chainId, registry }, issuer, d) })),
);

const batches = [1, 2, 3, 7, 16].map((n) => {
  const batchUids = Array.from({ length: n }, (_, i) => id(`kycnet/vector/uid/${n}/${i}`) as Hex);
  const batch = buildBatch(batchUids);
  return { uids: batchUids, root: batch.root, proofs: batchUids.map((_, i) => batch.proofOf(i)) };
});

const domain = {
  name: "kycnet ConsentRegistry",
  version: "1",
  chainId: 31337n,
  verifyingContract: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" as Hex,
};
const grants = [
  {
    attestationUid: uids[0]!.uid,
    grantee: new Wallet(id("kycnet/vector/bank-b")).address as Hex,
    purpose: Purpose.ONBOARDING,
    fieldMask: 0x7ff,
    validUntil: 1_900_000_000n,
    nonce: 0n,
    deadline: 1_800_000_000n,
  },
  {
    attestationUid: uids[1]!.uid,
    grantee: issuer,
    purpose: Purpose.TRANSACTION_LIMIT_UPGRADE,
    fieldMask: 0b101,
    validUntil: 2n ** 64n - 1n,
    nonce: 2n ** 255n + 7n,
    deadline: 1n,
  },
].map((grant) => ({ domain, grant, structHash: consentIdOf(grant), digest: consentGrantDigest(domain, grant) }));
const revocations = grants.map((g, i) => {
  const revocation = { consentId: g.structHash, nonce: BigInt(i + 100), deadline: 1_800_000_000n };
  return {
    domain,
    revocation,
    structHash: revocationStructHash(revocation),
    digest: consentRevocationDigest(domain, revocation),
  };
});

const out = {
  protocol: "kycnet/1",
  generatedBy: "scripts/gen-vectors.ts",
  records,
  uids,
  batches,
  grants,
  revocations,
};
writeFileSync(new URL("../test/vectors/commitments.json", import.meta.url), JSON.stringify(out, bigintJson, 2) + "\n");
console.log(
  `wrote test/vectors/commitments.json: ${records.length} records, ${uids.length} uids, ${batches.length} batches, ${grants.length} grants`,
);
