/**
 * The customer's view of the chain: the status of each attestation in the wallet, and who used
 * the data under each consent (grants, disclosures, revocations from ConsentRegistry events).
 * Read-only; needs a provider and the contract addresses.
 */
import { Contract, type Provider } from "ethers";
import { ConsortiumRegistryAbi } from "../chain/abis.ts";
import { isKycnetError } from "../errors.ts";
import { fieldsOfMask, type AttestationStatusName, type Hex, type RecordField } from "../protocol/index.ts";
import { createAuditor } from "../auditor/auditor.ts";
import type { KycnetAddresses } from "../auditor/connect.ts";
import { readConsentEvents, type ConsentEventKind } from "../auditor/consent-events.ts";
import type { CustomerWallet } from "./wallet.ts";

export interface ChainAccess {
  readonly provider: Provider;
  readonly addresses: KycnetAddresses;
  /** First block to search for events (the deployment block). */
  readonly fromBlock?: number;
}

export interface AttestationListing {
  readonly attestationUid: Hex;
  readonly issuer: Hex;
  readonly issuerName: string | null;
  readonly subject: Hex;
  /** UNKNOWN when the chain has no such attestation (not yet anchored, or another chain). */
  readonly status: AttestationStatusName;
  readonly method: string | null;
  readonly expiresAt: bigint | null;
  readonly revocationReason: string | null;
}

/** Every attestation in the wallet with its on-chain status. */
export async function listAttestations(wallet: CustomerWallet, chain: ChainAccess): Promise<AttestationListing[]> {
  const auditor = createAuditor(chain);
  const out: AttestationListing[] = [];
  for (const ref of wallet.list()) {
    try {
      const r = await auditor.inspectAttestation(ref.attestationUid);
      out.push(
        Object.freeze({
          ...ref,
          issuerName: r.issuerName,
          status: r.status,
          method: r.method,
          expiresAt: r.expiresAt,
          revocationReason: r.revocationReason,
        }),
      );
    } catch (error) {
      if (!isKycnetError(error, "ATTESTATION_NOT_FOUND")) throw error;
      out.push(
        Object.freeze({
          ...ref,
          issuerName: null,
          status: "UNKNOWN",
          method: null,
          expiresAt: null,
          revocationReason: null,
        }),
      );
    }
  }
  return out;
}

export interface DisclosureListing {
  readonly kind: ConsentEventKind;
  readonly consentId: Hex;
  readonly attestationUid: Hex;
  /** The bank that received (or may receive) the data; for a revocation, the consent's grantee. */
  readonly grantee: Hex | null;
  readonly granteeName: string | null;
  /** GRANTED: fields allowed; DISCLOSED: fields sent. Empty for REVOKED. */
  readonly fields: readonly RecordField[];
  readonly blockNumber: number;
  /** Block time, unix seconds. */
  readonly at: bigint;
  readonly txHash: Hex;
}

/** Who used the customer's data and when: every grant, disclosure and revocation, in chain order. */
export async function listDisclosures(
  query: { readonly consentId: Hex } | { readonly attestationUid: Hex },
  chain: ChainAccess,
): Promise<DisclosureListing[]> {
  const events = await readConsentEvents(chain.provider, chain.addresses.consents, query, chain.fromBlock ?? 0);
  const consortium = new Contract(chain.addresses.consortium, ConsortiumRegistryAbi, chain.provider);
  const granteeOf = new Map(events.filter((e) => e.kind === "GRANTED").map((e) => [e.consentId, e.grantee]));
  const names = new Map<string, string | null>();
  const nameOf = async (account: Hex | null): Promise<string | null> => {
    if (account === null) return null;
    const key = account.toLowerCase();
    if (!names.has(key)) {
      const m = (await consortium
        .getFunction("memberOf")(account)
        .catch(() => null)) as { name: string } | null;
      names.set(key, m?.name ?? null);
    }
    return names.get(key)!;
  };
  const times = new Map<number, bigint>();
  const out: DisclosureListing[] = [];
  for (const e of events) {
    if (!times.has(e.blockNumber))
      times.set(e.blockNumber, BigInt((await chain.provider.getBlock(e.blockNumber))!.timestamp));
    const grantee = e.grantee ?? granteeOf.get(e.consentId) ?? null;
    let fields: RecordField[] = [];
    try {
      if (e.fieldMask !== null) fields = fieldsOfMask(e.fieldMask);
    } catch {
      fields = [];
    }
    out.push(
      Object.freeze({
        kind: e.kind,
        consentId: e.consentId,
        attestationUid: e.attestationUid,
        grantee,
        granteeName: await nameOf(grantee),
        fields,
        blockNumber: e.blockNumber,
        at: times.get(e.blockNumber)!,
        txHash: e.txHash,
      }),
    );
  }
  return out;
}
