/**
 * The fake's stand-in for ABI encoding: a value the contracts' ABI could not carry (a 40-bit
 * field mask, a 3-byte "bytes32", a number where a uint64 belongs) is refused with
 * INVALID_ARGUMENT before anything is "sent". Only encodability is checked here; whether a value
 * is acceptable (a zero mask, purpose 0, ...) is the contract rules' business, which revert.
 */
import {
  assertAddress, assertBytes32, assertUint, type AttestationData, type AttestationProof, type ConsentGrant, type ConsentRevocation,
} from "@kycnet/sdk/protocol";

export { assertAddress, assertBytes32 };

export function assertEncodableData(d: AttestationData, field = "data"): void {
  assertAddress(d.subject, `${field}.subject`);
  assertBytes32(d.recordRoot, `${field}.recordRoot`);
  assertUint(d.method, `${field}.method`, 8);
  assertUint(d.assuranceLevel, `${field}.assuranceLevel`, 8);
  assertBytes32(d.pipelineVersion, `${field}.pipelineVersion`);
  assertUint(d.issuedAt, `${field}.issuedAt`, 64);
  assertUint(d.expiresAt, `${field}.expiresAt`, 64);
  assertBytes32(d.refUid, `${field}.refUid`);
}

export function assertEncodableProof(a: AttestationProof): void {
  assertAddress(a.issuer, "attestation.issuer");
  assertEncodableData(a.data, "attestation.data");
  assertBytes32(a.batchRoot, "attestation.batchRoot");
  if (!Array.isArray(a.proof)) assertBytes32(undefined, "attestation.proof");
  a.proof.forEach((node, i) => assertBytes32(node, `attestation.proof[${i}]`));
}

export function assertEncodableGrant(g: ConsentGrant): void {
  assertBytes32(g.attestationUid, "grant.attestationUid");
  assertAddress(g.grantee, "grant.grantee");
  assertUint(g.purpose, "grant.purpose", 8);
  assertUint(g.fieldMask, "grant.fieldMask", 32);
  assertUint(g.validUntil, "grant.validUntil", 64);
  assertUint(g.nonce, "grant.nonce", 256);
  assertUint(g.deadline, "grant.deadline", 64);
}

export function assertEncodableRevocation(r: ConsentRevocation): void {
  assertBytes32(r.consentId, "revocation.consentId");
  assertUint(r.nonce, "revocation.nonce", 256);
  assertUint(r.deadline, "revocation.deadline", 64);
}
