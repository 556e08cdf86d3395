/** Verified records of made-up people for vault and outbox tests. */
import { Wallet, ZeroHash, hexlify, randomBytes } from "ethers";
import {
  AssuranceLevel,
  Method,
  commitRecord,
  encodePipelineVersion,
  type AttestationData,
  type Hex,
  type RecordFields,
} from "@kycnet/sdk/protocol";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { createAuditLog } from "../../../node/src/vault/audit-log.ts";
import { createMemoryRecordStore } from "../../../node/src/vault/store/memory/memory-record-store.ts";
import { createVault, type VerifiedRecord } from "../../../node/src/vault/vault.ts";

/** A made-up person's record fields, as read from a CCCD (no face template). */
export function personFields(n = 0, fullName = `Nguyễn Văn Thử ${n}`): Omit<RecordFields, "faceTemplate"> {
  return {
    idNumber: `0012030${String(10000 + n).slice(-5)}`,
    oldIdNumber: "",
    fullName,
    dateOfBirth: "1990-01-31",
    sex: "M",
    nationality: "VNM",
    address: "1 Tràng Tiền, Hà Nội",
    issueDate: "2021-01-01",
    expiryDate: "2036-01-31",
    documentType: "CCCD",
  };
}

export function verifiedRecord(
  n = 0,
  fields: { fullName?: string } = {},
): { record: VerifiedRecord; attestation: (now: bigint) => AttestationData } {
  const c = commitRecord({ ...personFields(n, fields.fullName), faceTemplate: hexlify(randomBytes(32)) });
  const subject = Wallet.createRandom().address as Hex;
  return {
    record: { fields: c.fields, salts: c.salts, evidence: { faceModel: "test", similarity: 0.93 } },
    attestation: (now) => ({
      subject,
      recordRoot: c.root,
      method: Method.FULL_EKYC,
      assuranceLevel: AssuranceLevel.LEVEL_1,
      pipelineVersion: encodePipelineVersion("ekyc/test"),
      issuedAt: now,
      expiresAt: now + 86_400n * 365n,
      refCommitment: ZeroHash as Hex,
    }),
  };
}

/** A vault over an in-memory store with in-process keys and its audit log: for fast tests of what sits on a vault. */
export function memoryVault() {
  const store = createMemoryRecordStore();
  const audit = createAuditLog(store);
  const keys = new MemoryKeyManager();
  const vault = createVault({
    store,
    keys,
    audit,
    attestationContext: { chainId: 1n, registry: `0x${"11".repeat(20)}`, issuer: `0x${"22".repeat(20)}` },
  });
  return { store, audit, vault, keys };
}
