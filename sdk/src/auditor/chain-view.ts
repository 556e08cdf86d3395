/**
 * The auditor's reads of the three registries over JSON-RPC, typed: block times, member names
 * (cached), statuses now or at a block, consent records and how a grant reached the chain. The
 * checks in auditor.ts are built on these and never touch a contract directly.
 */
import { Contract, Interface, TypedDataEncoder, recoverAddress, type Provider } from "ethers";
import {
  AttestationStatus,
  CONSENT_GRANT_TYPES,
  ConsentStatus,
  assertBytes32,
  consentDomain,
  consentIdOf,
  nameOf,
  toConsentGrant,
  type AttestationProof,
  type AttestationStatusName,
  type ConsentStatusName,
  type Hex,
} from "../protocol/index.ts";
import { AttestationRegistryAbi, ConsentRegistryAbi, ConsortiumRegistryAbi } from "../chain/abis.ts";
import type { ConsentChainEvent } from "./consent-events.ts";
import { ConsentNotFoundError } from "./errors.ts";

export interface ChainAddresses {
  readonly consortium: Hex;
  readonly attestations: Hex;
  readonly consents: Hex;
}

export interface ConsentSignatureCheck {
  /** How the grant reached the chain: relayed with the subject's signature, or sent by the subject. */
  readonly via: "grantBySig" | "grant" | "unknown";
  /** The key that signed (grantBySig) or sent (grant) it. */
  readonly signer: Hex | null;
  readonly valid: boolean;
}

/** A consent as ConsentRegistry.getConsent returns it. */
export interface OnChainConsent {
  readonly attestationUid: string;
  readonly subject: string;
  readonly grantee: string;
  readonly purpose: bigint;
  readonly fieldMask: bigint;
  readonly validUntil: bigint;
}

const consentInterface = new Interface(ConsentRegistryAbi);

export function createChainView(provider: Provider, addresses: ChainAddresses) {
  const consortium = new Contract(addresses.consortium, ConsortiumRegistryAbi, provider);
  const attestations = new Contract(addresses.attestations, AttestationRegistryAbi, provider);
  const consents = new Contract(addresses.consents, ConsentRegistryAbi, provider);
  // memberOf reverts for an account that never belonged to a member: no name, which the report shows.
  const memberName = async (account: Hex): Promise<string | null> => {
    const m = (await consortium
      .getFunction("memberOf")(account)
      .catch(() => null)) as { id: bigint; name: string } | null;
    return m === null || m.id === 0n ? null : m.name;
  };
  const names = new Map<string, Promise<string | null>>();
  const consentStatusAt = async (consentId: Hex, t: bigint, blockTag?: number): Promise<ConsentStatusName> =>
    nameOf(
      ConsentStatus,
      Number(await consents.getFunction("statusAt")(consentId, t, blockTag === undefined ? {} : { blockTag })),
    ) ?? "NONE";

  return {
    blockTime: async (blockNumber: number): Promise<bigint> =>
      BigInt((await provider.getBlock(blockNumber))!.timestamp),
    latestTime: async (): Promise<bigint> => BigInt((await provider.getBlock("latest"))!.timestamp),
    /** The member's registered name, or null for an account of no member. */
    memberName(account: Hex): Promise<string | null> {
      const key = account.toLowerCase();
      if (!names.has(key)) names.set(key, memberName(account));
      return names.get(key)!;
    },
    /** Member id of an account; 0 for none. */
    memberIdOf: async (account: Hex): Promise<bigint> =>
      (await consortium.getFunction("memberIdOf")(account)) as bigint,
    wasActiveMemberAt: async (account: Hex, t: bigint): Promise<boolean> =>
      (await consortium.getFunction("wasActiveMemberAt")(account, t)) as boolean,
    /** The account that sent a transaction ("0x" when the node does not know it). */
    sender: async (txHash: string): Promise<Hex> => ((await provider.getTransaction(txHash))?.from ?? "0x") as Hex,
    batchOf: async (batchRoot: Hex) =>
      (await attestations.getFunction("batchOf")(batchRoot)) as { issuer: string; anchoredAt: bigint },
    /** The uid the contract computes for a proof (it reverts for a proof that does not verify). */
    verifiedUid: async (proof: AttestationProof) => (await attestations.getFunction("verify")(proof)) as string,
    revocationOf: async (uid: Hex) =>
      (await attestations.getFunction("revocationOf")(uid)) as { revokedAt: bigint; reason: bigint },
    /** When the member of `account` was removed (its attestations count as revoked from then); 0 while active. */
    memberRemovedAt: async (account: Hex): Promise<bigint> =>
      (await consortium.getFunction("memberRemovedAt")(account)) as bigint,
    attestationStatusAt: async (
      proof: AttestationProof,
      t: bigint,
      blockTag?: number,
    ): Promise<AttestationStatusName> =>
      nameOf(
        AttestationStatus,
        Number(await attestations.getFunction("statusOf")(proof, t, blockTag === undefined ? {} : { blockTag })),
      ) ?? "UNKNOWN",
    consentStatusAt,

    /**
     * The consent's status when the disclosure ran: the state of the block before, at the
     * disclosure's time, corrected by what happened earlier in the same block (a chain like QBFT can
     * put the grant, a revocation and the disclosure in one block).
     */
    async consentStatusWhen(
      disclosure: ConsentChainEvent,
      at: bigint,
      events: readonly ConsentChainEvent[],
    ): Promise<ConsentStatusName> {
      let status = await consentStatusAt(disclosure.consentId, at, disclosure.blockNumber - 1);
      const earlierInBlock = events.filter(
        (x) =>
          x.consentId === disclosure.consentId &&
          x.blockNumber === disclosure.blockNumber &&
          x.logIndex < disclosure.logIndex,
      );
      for (const x of earlierInBlock) {
        if (x.kind === "GRANTED") status = x.validUntil !== null && at < x.validUntil ? "ACTIVE" : "EXPIRED";
        if (x.kind === "REVOKED") status = "REVOKED";
      }
      return status;
    },

    /** Throws CONSENT_NOT_FOUND for an unknown consent, INVALID_ARGUMENT for a malformed id. */
    async getConsent(consentId: Hex): Promise<OnChainConsent> {
      assertBytes32(consentId, "consentId");
      // statusOf answers NONE for an unknown consent, where getConsent would revert.
      if (Number(await consents.getFunction("statusOf")(consentId)) === ConsentStatus.NONE)
        throw new ConsentNotFoundError(consentId);
      return (await consents.getFunction("getConsent")(consentId)) as OnChainConsent;
    },

    checkGrantSignature: (consentId: Hex, subject: Hex, txHash: string | undefined) =>
      checkGrantSignature(provider, addresses.consents, consentId, subject, txHash),
  };
}

export type ChainView = ReturnType<typeof createChainView>;

/** Who put the grant on chain: the subject's EIP-712 signature (grantBySig) or the subject itself (grant). */
async function checkGrantSignature(
  provider: Provider,
  consentRegistry: Hex,
  consentId: Hex,
  subject: Hex,
  txHash: string | undefined,
): Promise<ConsentSignatureCheck> {
  const tx = txHash === undefined ? null : await provider.getTransaction(txHash);
  const call =
    tx === null || tx.to?.toLowerCase() !== consentRegistry.toLowerCase()
      ? null
      : consentInterface.parseTransaction({ data: tx.data });
  if (tx === null || call === null) return { via: "unknown", signer: null, valid: false };
  const g = call.args[0] as Record<string, unknown>;
  const grant = toConsentGrant({
    attestationUid: g.attestationUid,
    grantee: g.grantee,
    purpose: g.purpose,
    fieldMask: g.fieldMask,
    validUntil: g.validUntil,
    nonce: g.nonce,
    deadline: g.deadline,
  });
  if (consentIdOf(grant) !== consentId.toLowerCase()) return { via: "unknown", signer: null, valid: false };
  if (call.name === "grant")
    return { via: "grant", signer: tx.from as Hex, valid: tx.from.toLowerCase() === subject.toLowerCase() };
  if (call.name !== "grantBySig") return { via: "unknown", signer: null, valid: false };
  const domain = consentDomain({ chainId: (await provider.getNetwork()).chainId, verifyingContract: consentRegistry });
  let signer: Hex | null;
  try {
    signer = recoverAddress(TypedDataEncoder.hash(domain, CONSENT_GRANT_TYPES, grant), String(call.args[2])) as Hex;
  } catch {
    signer = null;
  }
  return { via: "grantBySig", signer, valid: signer !== null && signer.toLowerCase() === subject.toLowerCase() };
}
