/**
 * What the customer signs with an attestation's subject key: a consent grant for one bank (which
 * the bank relays with `grantBySig`), a revocation (relayed by any member with `revokeBySig`), or
 * the revocation sent directly to the ConsentRegistry by the subject key itself.
 *
 * Nonces are random 256-bit values (the registry's nonces are unordered), so a customer can sign
 * for several banks offline, in any order, without tracking a counter.
 */
import { Contract, Interface, hexlify, isError, type ContractTransactionResponse, type Signer } from "ethers";
import { InvalidArgumentError } from "../errors.ts";
import { ConsentRegistryAbi } from "../chain/abis.ts";
import {
  ConsentStatus,
  Purpose,
  consentIdOf,
  fieldMaskOf,
  nameOf,
  signConsentGrant,
  signConsentRevocation,
  toConsentGrant,
  toConsentRevocation,
  type ConsentGrant,
  type ConsentRevocation,
  type Hex,
  type PurposeCode,
  type PurposeName,
  type RecordField,
  type TypedDataSigner,
  assertAddress,
  assertBytes32,
  secureRandomBytes,
} from "../protocol/index.ts";
import { ConsentNotFoundError } from "../auditor/errors.ts";
import { NotConsentSubjectError, SubjectTransactionError } from "./errors.ts";

/** Where consents live: signatures are bound to this chain and registry (EIP-712 domain). */
export interface ConsentChain {
  readonly chainId: bigint;
  readonly consentRegistry: Hex;
}

/** How long a signature may wait for a bank to relay it. */
export const DEFAULT_RELAY_WINDOW_SECONDS = 300;
/** A consent longer than this is refused: a customer re-consents for a new purpose instead. */
export const MAX_CONSENT_SECONDS = 366 * 86_400;

export interface GrantConsentInput {
  /** The attestation's subject key (from `wallet.unlock(uid, passphrase)`). */
  readonly subjectKey: TypedDataSigner;
  readonly attestationUid: Hex;
  /** The grantee bank's member account. */
  readonly grantee: Hex;
  readonly purpose: PurposeName | PurposeCode;
  /** Field names of the record the grantee may receive. */
  readonly fields: readonly RecordField[];
  /** Seconds the consent stays valid after `now`. */
  readonly validFor: number;
  readonly chain: ConsentChain;
  /** Unix seconds to count from; defaults to the local clock. Pass the chain's time when it differs. */
  readonly now?: bigint;
  /** Seconds the bank has to relay the signature (default 300). */
  readonly relayWindow?: number;
}

export interface SignedConsentGrant {
  readonly grant: ConsentGrant;
  readonly signature: string;
  /** Known before the bank relays it: the grant's EIP-712 struct hash. */
  readonly consentId: Hex;
}

export interface SignedConsentRevocation {
  readonly revocation: ConsentRevocation;
  readonly signature: string;
}

export function randomNonce(): bigint {
  return BigInt(hexlify(secureRandomBytes(32)));
}

const unixNow = (): bigint => BigInt(Math.floor(Date.now() / 1000));

function purposeCode(purpose: PurposeName | PurposeCode): PurposeCode {
  if (typeof purpose === "string" && Object.hasOwn(Purpose, purpose)) return Purpose[purpose];
  if (typeof purpose === "number" && (Object.values(Purpose) as number[]).includes(purpose)) return purpose;
  throw new InvalidArgumentError("purpose", `must be one of ${Object.keys(Purpose).join(", ")}`);
}

function assertSeconds(value: unknown, field: string, max: number): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0 || value > max) {
    throw new InvalidArgumentError(field, `must be a whole number of seconds in 1..${max}`);
  }
}

function assertChain(chain: ConsentChain): void {
  if (typeof chain?.chainId !== "bigint" || chain.chainId <= 0n)
    throw new InvalidArgumentError("chain.chainId", "must be a positive bigint");
  assertAddress(chain.consentRegistry, "chain.consentRegistry");
}

const domainOf = (chain: ConsentChain) => ({ chainId: chain.chainId, verifyingContract: chain.consentRegistry });

/** Signs a consent grant for one bank; hand `{ grant, signature }` to that bank to relay. */
export async function grantConsent(input: GrantConsentInput): Promise<SignedConsentGrant> {
  assertChain(input.chain);
  if (!Array.isArray(input.fields) || input.fields.length === 0)
    throw new InvalidArgumentError("fields", "name at least one field");
  assertSeconds(input.validFor, "validFor", MAX_CONSENT_SECONDS);
  const relayWindow = input.relayWindow ?? DEFAULT_RELAY_WINDOW_SECONDS;
  assertSeconds(relayWindow, "relayWindow", 86_400);
  const now = input.now ?? unixNow();
  const grant = toConsentGrant({
    attestationUid: input.attestationUid,
    grantee: input.grantee,
    purpose: purposeCode(input.purpose),
    fieldMask: fieldMaskOf(input.fields),
    validUntil: now + BigInt(input.validFor),
    nonce: randomNonce(),
    deadline: now + BigInt(relayWindow),
  });
  const signature = await signConsentGrant(input.subjectKey, domainOf(input.chain), grant);
  return Object.freeze({ grant, signature, consentId: consentIdOf(grant) });
}

export interface RevokeConsentInput {
  readonly subjectKey: TypedDataSigner;
  readonly consentId: Hex;
  readonly chain: ConsentChain;
  readonly now?: bigint;
  readonly relayWindow?: number;
}

/** Signs a revocation that any member relays with `revokeBySig` (the subject key needs no gas). */
export async function revokeConsent(input: RevokeConsentInput): Promise<SignedConsentRevocation> {
  assertChain(input.chain);
  const relayWindow = input.relayWindow ?? DEFAULT_RELAY_WINDOW_SECONDS;
  assertSeconds(relayWindow, "relayWindow", 86_400);
  const revocation = toConsentRevocation({
    consentId: input.consentId,
    nonce: randomNonce(),
    deadline: (input.now ?? unixNow()) + BigInt(relayWindow),
  });
  return Object.freeze({
    revocation,
    signature: await signConsentRevocation(input.subjectKey, domainOf(input.chain), revocation),
  });
}

const consentErrors = new Interface(ConsentRegistryAbi);
const NO_GAS = "the subject key has no gas; ask a member to relay revokeConsent()";

/**
 * Sends `ConsentRegistry.revoke(consentId)` from the subject key itself: works even when no bank
 * will relay, but the subject address then needs gas on the consortium chain, which a fresh
 * per-attestation key does not have. Normally a member relays `revokeConsent(...)` instead.
 * Checks first (typed errors rather than a revert): the consent exists, the key is its subject, it
 * is not already revoked.
 */
export async function revokeConsentDirectly(input: {
  readonly subjectKey: Signer;
  readonly consentId: Hex;
  readonly consentRegistry: Hex;
}): Promise<{ readonly txHash: Hex; readonly blockNumber: number }> {
  assertBytes32(input.consentId, "consentId");
  assertAddress(input.consentRegistry, "consentRegistry");
  if (input.subjectKey.provider === null)
    throw new InvalidArgumentError("subjectKey", "must be connected to a provider");
  const registry = new Contract(input.consentRegistry, ConsentRegistryAbi, input.subjectKey);
  const signer = (await input.subjectKey.getAddress()).toLowerCase();
  // statusOf answers NONE for an unknown consent (getConsent would revert, decoded differently by each provider).
  const status = nameOf(ConsentStatus, Number(await registry.getFunction("statusOf")(input.consentId)));
  if (status === "NONE") throw new ConsentNotFoundError(input.consentId);
  const consent = (await registry.getFunction("getConsent")(input.consentId)) as { subject: string };
  if (consent.subject.toLowerCase() !== signer)
    throw new NotConsentSubjectError(input.consentId, signer, consent.subject);
  if (status === "REVOKED") throw new SubjectTransactionError("revoke", "consent already revoked");
  // A fresh subject key has no gas: say so plainly rather than surface the node's wording.
  if ((await input.subjectKey.provider.getBalance(signer)) === 0n) throw new SubjectTransactionError("revoke", NO_GAS);
  try {
    const tx = (await registry.getFunction("revoke")(input.consentId)) as ContractTransactionResponse;
    const receipt = await tx.wait();
    if (receipt === null || receipt.status !== 1) throw new SubjectTransactionError("revoke", "transaction failed");
    return Object.freeze({ txHash: receipt.hash as Hex, blockNumber: receipt.blockNumber });
  } catch (cause) {
    if (cause instanceof SubjectTransactionError) throw cause;
    if (
      isError(cause, "INSUFFICIENT_FUNDS") ||
      /insufficient funds|enough funds/i.test(String((cause as Error)?.message))
    ) {
      throw new SubjectTransactionError("revoke", NO_GAS, { cause });
    }
    throw new SubjectTransactionError("revoke", revertName(cause) ?? "not accepted by the chain", { cause });
  }
}

/** The kycnet custom error name in a revert, when there is one. */
function revertName(error: unknown): string | null {
  if (isError(error, "CALL_EXCEPTION")) {
    if (error.revert?.name) return error.revert.name;
    if (typeof error.data === "string") {
      try {
        return consentErrors.parseError(error.data)?.name ?? null;
      } catch {
        return null;
      }
    }
  }
  return null;
}
