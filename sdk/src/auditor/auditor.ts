/**
 * The auditor's view (read-only: a JSON-RPC provider and the contract addresses, no key): was an
 * attestation anchored by a member that was active at the time, what is its status, and did every
 * disclosure under a consent happen while that consent was active and named that grantee. It sees
 * hashes, accounts, times and codes only, never personal data; a field can be checked when the
 * customer hands over its value and salt.
 */
import { Contract, type EventLog, type Log, type Provider } from "ethers";
import {
  AttestationStatus, ConsentStatus, Method, RevocationReason, decodePipelineVersion, nameOf,
  type AttestationProof, type AttestationStatusName, type ConsentStatusName, type Hex,
} from "../protocol/index.ts";
import { AttestationRegistryAbi, ConsentRegistryAbi, ConsortiumRegistryAbi } from "../chain/abis.ts";
import { findAttestation } from "../chain/attestation-lookup.ts";

export interface AuditorOptions {
  readonly provider: Provider;
  readonly addresses: { readonly consortium: Hex; readonly attestations: Hex; readonly consents: Hex };
}

export interface AttestationReport {
  readonly uid: Hex;
  readonly issuer: Hex;
  readonly issuerName: string | null;
  readonly issuerActiveAtAnchoring: boolean;
  readonly anchoredAt: bigint;
  readonly anchoredInTx: Hex;
  readonly method: string;
  readonly assuranceLevel: number;
  readonly pipelineVersion: string;
  readonly issuedAt: bigint;
  readonly expiresAt: bigint;
  readonly refUid: Hex;
  readonly status: AttestationStatusName;
  readonly revokedAt: bigint | null;
  readonly revocationReason: string | null;
  readonly proof: AttestationProof;
  /** Problems an auditor must look at; empty when all checks passed. */
  readonly findings: readonly string[];
}

export interface ConsentEvent {
  readonly kind: "GRANTED" | "DISCLOSED" | "REVOKED";
  readonly blockNumber: number;
  readonly at: bigint;
  readonly txHash: Hex;
  readonly by: Hex;
  readonly fieldMask?: number;
  /** For a disclosure: the consent's status at that block, as the contract saw it. */
  readonly consentStatusThen?: ConsentStatusName;
}

export interface ConsentReport {
  readonly consentId: Hex;
  readonly attestationUid: Hex;
  readonly subject: Hex;
  readonly grantee: Hex;
  readonly granteeName: string | null;
  readonly purpose: number;
  readonly fieldMask: number;
  readonly validUntil: bigint;
  readonly status: ConsentStatusName;
  readonly history: readonly ConsentEvent[];
  readonly findings: readonly string[];
}

export function createAuditor({ provider, addresses }: AuditorOptions) {
  const consortium = new Contract(addresses.consortium, ConsortiumRegistryAbi, provider);
  const attestations = new Contract(addresses.attestations, AttestationRegistryAbi, provider);
  const consents = new Contract(addresses.consents, ConsentRegistryAbi, provider);
  const blockTime = async (blockNumber: number): Promise<bigint> => BigInt((await provider.getBlock(blockNumber))!.timestamp);
  const latestTime = async (): Promise<bigint> => BigInt((await provider.getBlock("latest"))!.timestamp);
  // memberOf reverts for an account that never belonged to a member: no name, which the report shows.
  const memberName = async (account: Hex): Promise<string | null> => {
    const m = (await consortium.getFunction("memberOf")(account).catch(() => null)) as { id: bigint; name: string } | null;
    return m === null || m.id === 0n ? null : m.name;
  };

  async function inspectAttestation(uid: Hex): Promise<AttestationReport> {
    const found = await findAttestation(provider, addresses.attestations, uid);
    const { proof } = found;
    const findings: string[] = [];
    const batch = (await attestations.getFunction("batchOf")(proof.batchRoot)) as { issuer: string; anchoredAt: bigint };
    if (batch.issuer.toLowerCase() !== proof.issuer.toLowerCase()) findings.push("batch issuer differs from the anchoring account");
    const onChainUid = (await attestations.getFunction("verify")(proof)) as string;
    if (onChainUid !== found.uid) findings.push("contract computes a different uid");
    const activeThen = (await consortium.getFunction("wasActiveMemberAt")(proof.issuer, batch.anchoredAt)) as boolean;
    if (!activeThen) findings.push("issuer was not an active member when it anchored");
    const now = await latestTime();
    const status = nameOf(AttestationStatus, Number(await attestations.getFunction("statusOf")(proof, now))) ?? "UNKNOWN";
    const revocation = (await attestations.getFunction("revocationOf")(found.uid)) as { revokedAt: bigint; reason: bigint };
    return Object.freeze({
      uid: found.uid, issuer: proof.issuer, issuerName: await memberName(proof.issuer), issuerActiveAtAnchoring: activeThen,
      anchoredAt: batch.anchoredAt, anchoredInTx: found.txHash,
      method: String(nameOf(Method, proof.data.method) ?? proof.data.method), assuranceLevel: proof.data.assuranceLevel,
      pipelineVersion: decodePipelineVersion(proof.data.pipelineVersion), issuedAt: proof.data.issuedAt, expiresAt: proof.data.expiresAt,
      refUid: proof.data.refUid, status,
      revokedAt: revocation.revokedAt === 0n ? null : revocation.revokedAt,
      revocationReason: revocation.revokedAt === 0n ? null : String(nameOf(RevocationReason, Number(revocation.reason)) ?? revocation.reason),
      proof, findings,
    });
  }

  async function inspectConsent(consentId: Hex): Promise<ConsentReport> {
    const c = (await consents.getFunction("getConsent")(consentId)) as {
      attestationUid: string; subject: string; grantee: string; purpose: bigint; fieldMask: bigint; validUntil: bigint;
    };
    const findings: string[] = [];
    const history: ConsentEvent[] = [];
    const filters = consents.filters;
    const [granted, disclosed, revoked] = await Promise.all([
      consents.queryFilter(filters.ConsentGranted!(consentId)),
      consents.queryFilter(filters.Disclosed!(consentId)),
      consents.queryFilter(filters.ConsentRevoked!(consentId)),
    ]);
    const sender = async (log: Log): Promise<Hex> => ((await provider.getTransaction(log.transactionHash))?.from ?? "0x") as Hex;
    for (const log of granted) history.push({ kind: "GRANTED", ...(await placed(log)), by: await sender(log) });
    for (const log of revoked) history.push({ kind: "REVOKED", ...(await placed(log)), by: await sender(log) });
    for (const log of disclosed as EventLog[]) {
      const where = await placed(log);
      // The status in the block before the disclosure's block, at the disclosure's time: what the
      // contract checked when it accepted the disclosure.
      const then = nameOf(ConsentStatus, Number(await consents.getFunction("statusAt")(consentId, where.at, { blockTag: log.blockNumber - 1 }))) ?? "NONE";
      const grantee = String(log.args[2]);
      if (then !== "ACTIVE") findings.push(`disclosure in block ${log.blockNumber} under a ${then} consent`);
      if (grantee.toLowerCase() !== c.grantee.toLowerCase()) findings.push(`disclosure in block ${log.blockNumber} to another grantee`);
      history.push({ kind: "DISCLOSED", ...where, by: await sender(log), fieldMask: Number(log.args[3]), consentStatusThen: then });
    }
    history.sort((a, b) => a.blockNumber - b.blockNumber);
    const now = await latestTime();
    return Object.freeze({
      consentId, attestationUid: c.attestationUid as Hex, subject: c.subject as Hex, grantee: c.grantee as Hex,
      granteeName: await memberName(c.grantee as Hex), purpose: Number(c.purpose), fieldMask: Number(c.fieldMask), validUntil: c.validUntil,
      status: nameOf(ConsentStatus, Number(await consents.getFunction("statusAt")(consentId, now))) ?? "NONE",
      history, findings,
    });
  }

  async function placed(log: Log): Promise<{ blockNumber: number; at: bigint; txHash: Hex }> {
    return { blockNumber: log.blockNumber, at: await blockTime(log.blockNumber), txHash: log.transactionHash as Hex };
  }

  return { inspectAttestation, inspectConsent };
}

export type Auditor = ReturnType<typeof createAuditor>;
