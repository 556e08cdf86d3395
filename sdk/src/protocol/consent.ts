/**
 * Consent grants and revocations as EIP-712 typed data (docs/protocol.md §4). The customer's app
 * signs them with the attestation's subject key; any member relays them to the ConsentRegistry.
 * A consent id is the grant's struct hash, so it is known before the transaction is mined.
 */
import { TypedDataEncoder, type TypedDataDomain, type TypedDataField } from "ethers";
import { InvalidArgumentError } from "../errors.ts";
import { assertAddress, assertBytes32, assertUint, type Hex } from "./bytes.ts";
import { assertFieldMask } from "./field-mask.ts";
import { Purpose, type PurposeCode } from "./vocabulary.ts";

export const CONSENT_DOMAIN_NAME = "kycnet ConsentRegistry";
export const CONSENT_DOMAIN_VERSION = "1";

export const CONSENT_GRANT_TYPES: Record<string, TypedDataField[]> = {
  ConsentGrant: [
    { name: "attestationUid", type: "bytes32" },
    { name: "grantee", type: "address" },
    { name: "purpose", type: "uint8" },
    { name: "fieldMask", type: "uint32" },
    { name: "validUntil", type: "uint64" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
};

export const CONSENT_REVOCATION_TYPES: Record<string, TypedDataField[]> = {
  ConsentRevocation: [
    { name: "consentId", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
};

/** Mirrors `struct ConsentGrant` in contracts/interfaces/IConsentRegistry.sol. */
export interface ConsentGrant {
  readonly attestationUid: Hex;
  readonly grantee: Hex;
  readonly purpose: PurposeCode;
  readonly fieldMask: number;
  readonly validUntil: bigint;
  readonly nonce: bigint;
  readonly deadline: bigint;
}

export interface ConsentRevocation {
  readonly consentId: Hex;
  readonly nonce: bigint;
  readonly deadline: bigint;
}

export interface ConsentDomainInput {
  readonly chainId: bigint;
  readonly verifyingContract: Hex;
}

export function consentDomain({ chainId, verifyingContract }: ConsentDomainInput): TypedDataDomain {
  assertAddress(verifyingContract, "verifyingContract");
  return { name: CONSENT_DOMAIN_NAME, version: CONSENT_DOMAIN_VERSION, chainId, verifyingContract };
}

/** Checks and normalises a grant from outside. */
export function toConsentGrant(input: Readonly<Record<string, unknown>>): ConsentGrant {
  assertBytes32(input.attestationUid, "attestationUid");
  assertAddress(input.grantee, "grantee");
  const purpose = Number(assertUint(input.purpose, "purpose", 8));
  if (!(Object.values(Purpose) as number[]).includes(purpose))
    throw new InvalidArgumentError("purpose", "unknown purpose");
  const fieldMask = Number(assertUint(input.fieldMask, "fieldMask", 32));
  assertFieldMask(fieldMask);
  return Object.freeze({
    attestationUid: input.attestationUid.toLowerCase() as Hex,
    grantee: input.grantee,
    purpose: purpose as PurposeCode,
    fieldMask,
    validUntil: assertUint(input.validUntil, "validUntil", 64),
    nonce: assertUint(input.nonce, "nonce", 256),
    deadline: assertUint(input.deadline, "deadline", 64),
  });
}

export function toConsentRevocation(input: Readonly<Record<string, unknown>>): ConsentRevocation {
  assertBytes32(input.consentId, "consentId");
  return Object.freeze({
    consentId: input.consentId.toLowerCase() as Hex,
    nonce: assertUint(input.nonce, "nonce", 256),
    deadline: assertUint(input.deadline, "deadline", 64),
  });
}

/** The consent id: the EIP-712 struct hash of the grant. */
export function consentIdOf(grant: ConsentGrant): Hex {
  return TypedDataEncoder.hashStruct("ConsentGrant", CONSENT_GRANT_TYPES, grant) as Hex;
}

export function revocationStructHash(revocation: ConsentRevocation): Hex {
  return TypedDataEncoder.hashStruct("ConsentRevocation", CONSENT_REVOCATION_TYPES, revocation) as Hex;
}

/** The digest the subject key signs for a grant. */
export function consentGrantDigest(domain: ConsentDomainInput, grant: ConsentGrant): Hex {
  return TypedDataEncoder.hash(consentDomain(domain), CONSENT_GRANT_TYPES, grant) as Hex;
}

export function consentRevocationDigest(domain: ConsentDomainInput, revocation: ConsentRevocation): Hex {
  return TypedDataEncoder.hash(consentDomain(domain), CONSENT_REVOCATION_TYPES, revocation) as Hex;
}

/** Anything that signs EIP-712 typed data the ethers way (a Wallet, the HSM signer, ...). */
export interface TypedDataSigner {
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

export function signConsentGrant(
  signer: TypedDataSigner,
  domain: ConsentDomainInput,
  grant: ConsentGrant,
): Promise<string> {
  return signer.signTypedData(consentDomain(domain), CONSENT_GRANT_TYPES, { ...grant });
}

export function signConsentRevocation(
  signer: TypedDataSigner,
  domain: ConsentDomainInput,
  revocation: ConsentRevocation,
): Promise<string> {
  return signer.signTypedData(consentDomain(domain), CONSENT_REVOCATION_TYPES, { ...revocation });
}
