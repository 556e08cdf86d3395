/** JSON forms of protocol values the vault stores (bigints as decimal strings, bytes as base64). */
import { toAttestationData, type AttestationData, type AttestationProof, type Hex } from "@kycnet/sdk/protocol";
import type { SealedRecord } from "../custody/key-manager.ts";
import type { StoredValue } from "./store/record-store.ts";

export type AttestationJson = { [K in keyof AttestationData]: string | number };

export const attestationToJson = (d: AttestationData): AttestationJson => ({
  subject: d.subject,
  recordRoot: d.recordRoot,
  method: d.method,
  assuranceLevel: d.assuranceLevel,
  pipelineVersion: d.pipelineVersion,
  issuedAt: d.issuedAt.toString(),
  expiresAt: d.expiresAt.toString(),
  refCommitment: d.refCommitment,
});

export const attestationFromJson = (j: StoredValue): AttestationData => toAttestationData(j as Record<string, unknown>);

export interface ProofJson {
  issuer: Hex;
  data: AttestationJson;
  batchRoot: Hex;
  proof: Hex[];
}

export const proofToJson = (p: AttestationProof): ProofJson => ({
  issuer: p.issuer,
  data: attestationToJson(p.data),
  batchRoot: p.batchRoot,
  proof: [...p.proof],
});
export const proofFromJson = (j: ProofJson): AttestationProof => ({
  issuer: j.issuer,
  data: attestationFromJson(j.data),
  batchRoot: j.batchRoot,
  proof: j.proof,
});

const b64 = (u: Uint8Array) => Buffer.from(u).toString("base64");
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));

export interface SealedJson {
  version: 2;
  keyId: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

export const sealedToJson = (s: SealedRecord): SealedJson => ({
  version: s.version,
  keyId: s.keyId,
  iv: b64(s.iv),
  ciphertext: b64(s.ciphertext),
  tag: b64(s.tag),
});
export const sealedFromJson = (j: SealedJson): SealedRecord => ({
  version: j.version,
  keyId: j.keyId,
  iv: unb64(j.iv),
  ciphertext: unb64(j.ciphertext),
  tag: unb64(j.tag),
});
