/**
 * Checking a document a bank node signed (the auditor's report, exports): the signature is an
 * EIP-191 personal-message signature of the document's UTF-8 bytes by the bank's chain key, the
 * key of its member account in the ConsortiumRegistry. The check recovers the signer from the
 * signature alone and compares it with the account the caller expects (from the member list).
 */
import { getAddress, sha256, toUtf8Bytes, verifyMessage } from "ethers";
import type { Hex } from "../protocol/bytes.ts";

export interface SignedDocumentInput {
  readonly document: string;
  readonly sha256: string;
  readonly signer: string;
  readonly signature: string;
}

export interface SignedDocumentCheck {
  /** True when the signature recovers to `expectedSigner` (or to the stated signer when none is given) and the digest matches. */
  readonly valid: boolean;
  /** Who signed the document, recovered from the signature; null when the signature is malformed. */
  readonly recoveredSigner: Hex | null;
  readonly findings: readonly string[];
}

export function verifySignedDocument(input: SignedDocumentInput, expectedSigner?: string): SignedDocumentCheck {
  const findings: string[] = [];
  const bytes = toUtf8Bytes(input.document);
  if (sha256(bytes).slice(2) !== input.sha256.toLowerCase()) findings.push("sha256 does not match the document");
  let recovered: Hex | null = null;
  try {
    recovered = getAddress(verifyMessage(bytes, input.signature)) as Hex;
  } catch {
    findings.push("signature is malformed");
  }
  const expected = expectedSigner ?? input.signer;
  let wanted: string | null = null;
  try {
    wanted = getAddress(expected);
  } catch {
    findings.push(`expected signer ${expected} is not an address`);
  }
  if (recovered !== null && wanted !== null && recovered !== wanted)
    findings.push(`signed by ${recovered}, not by ${wanted}`);
  return { valid: findings.length === 0, recoveredSigner: recovered, findings };
}
