/**
 * The auditor's view (read-only: a JSON-RPC provider and the contract addresses, no key): was an
 * attestation anchored by a member that was active at the time, what is its status (now or at a
 * given time), was every consent signed by the attestation's subject key, did every disclosure
 * happen while its consent was active and named that grantee, and does a field value the customer
 * hands over match the anchored record root. It sees hashes, accounts, times and codes only, never
 * personal data (a checked field's value is not echoed in the report).
 *
 * Every report carries `findings`: the problems found, empty when all checks passed. Reports hold
 * bigints; `toJsonSafe` (json.ts) turns them into JSON.
 */
import { Contract, Interface, TypedDataEncoder, recoverAddress, type Provider } from "ethers";
import {
  AttestationStatus, CONSENT_GRANT_TYPES, Purpose, ConsentStatus, Method, RECORD_FIELDS, RevocationReason, consentDomain, consentIdOf,
  decodePipelineVersion, fieldsOfMask, maskCovers, nameOf, toConsentGrant, verifyFieldDisclosure,
  type AttestationProof, type AttestationStatusName, type ConsentStatusName, type Hex, type RecordField,
  assertBytes32, canonicalizeField,
} from "../protocol/index.ts";
import { InvalidArgumentError, isKycnetError } from "../errors.ts";
import { AttestationRegistryAbi, ConsentRegistryAbi, ConsortiumRegistryAbi } from "../chain/abis.ts";
import { findAttestation, type AttestationLocation } from "../chain/attestation-lookup.ts";
import { readConsentEvents, type ConsentChainEvent } from "./consent-events.ts";
import { ConsentNotFoundError } from "./errors.ts";

export interface AuditorOptions {
  readonly provider: Provider;
  readonly addresses: { readonly consortium: Hex; readonly attestations: Hex; readonly consents: Hex };
  /** First block to search for events (the deployment block): keeps log queries small on a long chain. */
  readonly fromBlock?: number;
}

export interface AttestationReport {
  readonly uid: Hex;
  readonly issuer: Hex;
  readonly issuerName: string | null;
  readonly issuerActiveAtAnchoring: boolean;
  /** Whether the issuer's account was an active member at the `issuedAt` it claims. */
  readonly issuerActiveAtIssue: boolean;
  readonly anchoredAt: bigint;
  readonly anchoredInTx: Hex;
  readonly method: string;
  readonly assuranceLevel: number;
  readonly pipelineVersion: string;
  readonly issuedAt: bigint;
  readonly expiresAt: bigint;
  readonly refUid: Hex;
  /** Status at the latest block. */
  readonly status: AttestationStatusName;
  /** The time asked about (`{ at }`), and the status then; null when not asked. */
  readonly at: bigint | null;
  readonly statusAt: AttestationStatusName | null;
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

export interface ConsentSignatureCheck {
  /** How the grant reached the chain: relayed with the subject's signature, or sent by the subject. */
  readonly via: "grantBySig" | "grant" | "unknown";
  /** The key that signed (grantBySig) or sent (grant) it. */
  readonly signer: Hex | null;
  readonly valid: boolean;
}

export interface ConsentReport {
  readonly consentId: Hex;
  readonly attestationUid: Hex;
  readonly subject: Hex;
  readonly grantee: Hex;
  readonly granteeName: string | null;
  readonly purpose: number;
  readonly purposeName: string | null;
  readonly fieldMask: number;
  readonly fields: readonly RecordField[];
  readonly validUntil: bigint;
  readonly status: ConsentStatusName;
  readonly signature: ConsentSignatureCheck;
  readonly history: readonly ConsentEvent[];
  readonly findings: readonly string[];
}

export interface DisclosureCheck {
  readonly consentId: Hex;
  readonly blockNumber: number;
  readonly at: bigint;
  readonly txHash: Hex;
  /** The account that sent the disclosure (must belong to the issuing member). */
  readonly discloser: Hex;
  readonly grantee: Hex;
  readonly granteeName: string | null;
  readonly fields: readonly RecordField[];
  readonly requestId: Hex;
  /** The consent's status just before that block, at that block's time; NONE for an unknown consent. */
  readonly consentStatusThen: ConsentStatusName;
  readonly attestationStatusThen: AttestationStatusName;
  readonly problems: readonly string[];
}

export interface ConsentSummary {
  readonly consentId: Hex;
  readonly grantee: Hex;
  readonly granteeName: string | null;
  readonly purpose: number;
  readonly fields: readonly RecordField[];
  readonly grantedInBlock: number;
  readonly validUntil: bigint;
  readonly status: ConsentStatusName;
}

export interface DisclosuresReport {
  readonly attestationUid: Hex;
  readonly issuer: Hex;
  readonly consents: readonly ConsentSummary[];
  readonly disclosures: readonly DisclosureCheck[];
  readonly findings: readonly string[];
}

export interface FieldCheckInput {
  readonly uid: Hex;
  readonly name: string;
  readonly value: string;
  readonly salt: Hex;
  readonly proof: readonly Hex[];
}

export interface FieldReport {
  readonly uid: Hex;
  readonly field: RecordField;
  /** True when (field, value, salt) is a leaf of the anchored record root. The value is never echoed. */
  readonly matches: boolean;
  readonly recordRoot: Hex;
  readonly attestationStatus: AttestationStatusName;
  readonly findings: readonly string[];
}

const consentInterface = new Interface(ConsentRegistryAbi);

export function createAuditor({ provider, addresses, fromBlock = 0 }: AuditorOptions) {
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
  const names = new Map<string, Promise<string | null>>();
  const cachedName = (account: Hex): Promise<string | null> => {
    const key = account.toLowerCase();
    if (!names.has(key)) names.set(key, memberName(account));
    return names.get(key)!;
  };
  const sender = async (txHash: string): Promise<Hex> => ((await provider.getTransaction(txHash))?.from ?? "0x") as Hex;
  const attestationStatusAt = async (proof: AttestationProof, t: bigint, blockTag?: number): Promise<AttestationStatusName> =>
    nameOf(AttestationStatus, Number(await attestations.getFunction("statusOf")(proof, t, blockTag === undefined ? {} : { blockTag })))
      ?? "UNKNOWN";
  const consentStatusAt = async (consentId: Hex, t: bigint, blockTag?: number): Promise<ConsentStatusName> =>
    nameOf(ConsentStatus, Number(await consents.getFunction("statusAt")(consentId, t, blockTag === undefined ? {} : { blockTag })))
      ?? "NONE";

  /**
   * The consent's status when the disclosure ran: the state of the block before, at the
   * disclosure's time, corrected by what happened earlier in the same block (a chain like QBFT can
   * put the grant, a revocation and the disclosure in one block).
   */
  async function consentStatusWhen(disclosure: ConsentChainEvent, at: bigint, events: readonly ConsentChainEvent[]): Promise<ConsentStatusName> {
    let status = await consentStatusAt(disclosure.consentId, at, disclosure.blockNumber - 1);
    const earlierInBlock = events.filter((x) =>
      x.consentId === disclosure.consentId && x.blockNumber === disclosure.blockNumber && x.logIndex < disclosure.logIndex);
    for (const x of earlierInBlock) {
      if (x.kind === "GRANTED") status = x.validUntil !== null && at < x.validUntil ? "ACTIVE" : "EXPIRED";
      if (x.kind === "REVOKED") status = "REVOKED";
    }
    return status;
  }

  async function inspectAttestation(uid: Hex, options: { at?: bigint } = {}): Promise<AttestationReport> {
    if (options.at !== undefined && (typeof options.at !== "bigint" || options.at < 0n || options.at >= 1n << 64n)) {
      throw new InvalidArgumentError("at", "must be unix seconds (uint64)");
    }
    const found = await findAttestation(provider, addresses.attestations, uid, fromBlock);
    const { proof } = found;
    const findings: string[] = [];
    const batch = (await attestations.getFunction("batchOf")(proof.batchRoot)) as { issuer: string; anchoredAt: bigint };
    if (batch.issuer.toLowerCase() !== proof.issuer.toLowerCase()) findings.push("batch issuer differs from the anchoring account");
    const onChainUid = (await attestations.getFunction("verify")(proof)) as string;
    if (onChainUid !== found.uid) findings.push("contract computes a different uid");
    const activeThen = (await consortium.getFunction("wasActiveMemberAt")(proof.issuer, batch.anchoredAt)) as boolean;
    if (!activeThen) findings.push("issuer was not an active member when it anchored");
    const activeAtIssue = (await consortium.getFunction("wasActiveMemberAt")(proof.issuer, proof.data.issuedAt)) as boolean;
    const status = await attestationStatusAt(proof, await latestTime());
    const statusAt = options.at === undefined ? null : await attestationStatusAt(proof, options.at);
    // The status that matters is the one asked about: at `at` when given, else now.
    if (statusAt !== null && statusAt !== "VALID") findings.push(`attestation was ${statusAt} at ${options.at}`);
    if (statusAt === null && status !== "VALID") findings.push(`attestation is ${status}`);
    const revocation = (await attestations.getFunction("revocationOf")(found.uid)) as { revokedAt: bigint; reason: bigint };
    return Object.freeze({
      uid: found.uid, issuer: proof.issuer, issuerName: await cachedName(proof.issuer), issuerActiveAtAnchoring: activeThen,
      issuerActiveAtIssue: activeAtIssue, anchoredAt: batch.anchoredAt, anchoredInTx: found.txHash,
      method: String(nameOf(Method, proof.data.method) ?? proof.data.method), assuranceLevel: proof.data.assuranceLevel,
      pipelineVersion: decodePipelineVersion(proof.data.pipelineVersion), issuedAt: proof.data.issuedAt, expiresAt: proof.data.expiresAt,
      refUid: proof.data.refUid, status, at: options.at ?? null, statusAt,
      revokedAt: revocation.revokedAt === 0n ? null : revocation.revokedAt,
      revocationReason: revocation.revokedAt === 0n ? null : String(nameOf(RevocationReason, Number(revocation.reason)) ?? revocation.reason),
      proof, findings,
    });
  }

  async function getConsent(consentId: Hex) {
    assertBytes32(consentId, "consentId");
    // statusOf answers NONE for an unknown consent, where getConsent would revert.
    if (Number(await consents.getFunction("statusOf")(consentId)) === ConsentStatus.NONE) throw new ConsentNotFoundError(consentId);
    return (await consents.getFunction("getConsent")(consentId)) as {
      attestationUid: string; subject: string; grantee: string; purpose: bigint; fieldMask: bigint; validUntil: bigint;
    };
  }

  /** Who put the grant on chain: the subject's EIP-712 signature (grantBySig) or the subject itself (grant). */
  async function checkGrantSignature(consentId: Hex, subject: Hex, txHash: string | undefined): Promise<ConsentSignatureCheck> {
    const tx = txHash === undefined ? null : await provider.getTransaction(txHash);
    const call = tx === null || tx.to?.toLowerCase() !== addresses.consents.toLowerCase() ? null : consentInterface.parseTransaction({ data: tx.data });
    if (tx === null || call === null) return { via: "unknown", signer: null, valid: false };
    const g = call.args[0] as Record<string, unknown>;
    const grant = toConsentGrant({
      attestationUid: g.attestationUid, grantee: g.grantee, purpose: g.purpose, fieldMask: g.fieldMask,
      validUntil: g.validUntil, nonce: g.nonce, deadline: g.deadline,
    });
    if (consentIdOf(grant) !== consentId.toLowerCase()) return { via: "unknown", signer: null, valid: false };
    if (call.name === "grant") return { via: "grant", signer: tx.from as Hex, valid: tx.from.toLowerCase() === subject.toLowerCase() };
    if (call.name !== "grantBySig") return { via: "unknown", signer: null, valid: false };
    const domain = consentDomain({ chainId: (await provider.getNetwork()).chainId, verifyingContract: addresses.consents });
    let signer: Hex | null = null;
    try {
      signer = recoverAddress(TypedDataEncoder.hash(domain, CONSENT_GRANT_TYPES, grant), String(call.args[2])) as Hex;
    } catch {
      signer = null;
    }
    return { via: "grantBySig", signer, valid: signer !== null && signer.toLowerCase() === subject.toLowerCase() };
  }

  async function inspectConsent(consentId: Hex): Promise<ConsentReport> {
    const c = await getConsent(consentId);
    const findings: string[] = [];
    const history: ConsentEvent[] = [];
    const events = await readConsentEvents(provider, addresses.consents, { consentId }, fromBlock);
    for (const e of events) {
      const where = { blockNumber: e.blockNumber, at: await blockTime(e.blockNumber), txHash: e.txHash };
      const by = await sender(e.txHash);
      if (e.kind !== "DISCLOSED") {
        history.push({ kind: e.kind, ...where, by, ...(e.kind === "GRANTED" ? { fieldMask: e.fieldMask! } : {}) });
        continue;
      }
      // What the contract checked when it accepted the disclosure (see consentStatusWhen).
      const then = await consentStatusWhen(e, where.at, events);
      if (then !== "ACTIVE") findings.push(`disclosure in block ${e.blockNumber} under a ${then} consent`);
      if (e.grantee!.toLowerCase() !== c.grantee.toLowerCase()) findings.push(`disclosure in block ${e.blockNumber} to another grantee`);
      if (!maskCovers(Number(c.fieldMask), e.fieldMask!)) findings.push(`disclosure in block ${e.blockNumber} of fields outside the consent`);
      history.push({ kind: "DISCLOSED", ...where, by, fieldMask: e.fieldMask!, consentStatusThen: then });
    }
    const granted = events.find((e) => e.kind === "GRANTED");
    if (granted === undefined) findings.push("no ConsentGranted event for this consent");
    const signature = await checkGrantSignature(consentId, c.subject as Hex, granted?.txHash);
    if (!signature.valid) findings.push(`grant not signed or sent by the subject key (${signature.via})`);
    return Object.freeze({
      consentId, attestationUid: c.attestationUid as Hex, subject: c.subject as Hex, grantee: c.grantee as Hex,
      granteeName: await cachedName(c.grantee as Hex), purpose: Number(c.purpose),
      purposeName: (nameOf(Purpose, Number(c.purpose)) as string | undefined) ?? null, fieldMask: Number(c.fieldMask),
      fields: safeFields(Number(c.fieldMask)), validUntil: c.validUntil,
      status: await consentStatusAt(consentId, await latestTime()), signature, history, findings,
    });
  }

  /** Every disclosure of one attestation's record, each checked against the consent it claims. */
  async function inspectDisclosures(attestationUid: Hex): Promise<DisclosuresReport> {
    assertBytes32(attestationUid, "attestationUid");
    const found: AttestationLocation = await findAttestation(provider, addresses.attestations, attestationUid, fromBlock);
    const uid = found.uid;
    const events = await readConsentEvents(provider, addresses.consents, { attestationUid: uid }, fromBlock);
    const now = await latestTime();
    const issuerMemberId = (await consortium.getFunction("memberIdOf")(found.proof.issuer)) as bigint;
    const findings: string[] = [];

    const consentList: ConsentSummary[] = [];
    for (const e of events.filter((x) => x.kind === "GRANTED")) {
      consentList.push({
        consentId: e.consentId, grantee: e.grantee!, granteeName: await cachedName(e.grantee!), purpose: e.purpose!,
        fields: safeFields(e.fieldMask!), grantedInBlock: e.blockNumber, validUntil: e.validUntil!,
        status: await consentStatusAt(e.consentId, now),
      });
    }

    const disclosures: DisclosureCheck[] = [];
    for (const e of events.filter((x) => x.kind === "DISCLOSED")) {
      disclosures.push(await checkDisclosure(e, uid, found.proof, found.blockNumber, issuerMemberId, events));
    }
    for (const d of disclosures) for (const p of d.problems) findings.push(`disclosure in block ${d.blockNumber} (${d.txHash}): ${p}`);
    return Object.freeze({ attestationUid: uid, issuer: found.proof.issuer, consents: consentList, disclosures, findings });
  }

  async function checkDisclosure(
    e: ConsentChainEvent, uid: Hex, proof: AttestationProof, anchoredInBlock: number, issuerMemberId: bigint,
    events: readonly ConsentChainEvent[],
  ): Promise<DisclosureCheck> {
    const at = await blockTime(e.blockNumber);
    const before = e.blockNumber - 1;
    const problems: string[] = [];
    const consentThen = await consentStatusWhen(e, at, events);
    if (consentThen !== "ACTIVE") problems.push(`consent ${e.consentId} was ${consentThen}`);
    const consent = await getConsent(e.consentId).catch((error: unknown) => {
      if (isKycnetError(error, "CONSENT_NOT_FOUND")) return null;
      throw error;
    });
    if (consent === null) problems.push("no such consent on chain");
    else {
      if (consent.attestationUid.toLowerCase() !== uid) problems.push("consent is for another attestation");
      if (consent.grantee.toLowerCase() !== e.grantee!.toLowerCase()) problems.push(`consent names grantee ${consent.grantee}, not ${e.grantee}`);
      if (!maskCovers(Number(consent.fieldMask), e.fieldMask!)) problems.push("fields outside the consent's mask");
    }
    const discloser = await sender(e.txHash);
    const discloserMemberId = discloser === "0x" ? 0n : ((await consortium.getFunction("memberIdOf")(discloser)) as bigint);
    if (discloserMemberId === 0n || discloserMemberId !== issuerMemberId) problems.push(`sent by ${discloser}, not by the issuing member`);
    let attestationThen = await attestationStatusAt(proof, at, before);
    // Anchored earlier in the disclosure's own block: the block before cannot know it yet.
    if (attestationThen === "UNKNOWN" && anchoredInBlock === e.blockNumber) attestationThen = await attestationStatusAt(proof, at);
    if (attestationThen !== "VALID") problems.push(`attestation was ${attestationThen}`);
    return Object.freeze({
      consentId: e.consentId, blockNumber: e.blockNumber, at, txHash: e.txHash, discloser, grantee: e.grantee!,
      granteeName: await cachedName(e.grantee!), fields: safeFields(e.fieldMask!), requestId: e.requestId!,
      consentStatusThen: consentThen, attestationStatusThen: attestationThen, problems,
    });
  }

  /** Proves (or refutes) that a field value the customer handed over is the one committed in the anchored record. */
  async function verifyField(input: FieldCheckInput): Promise<FieldReport> {
    assertBytes32(input.uid, "uid");
    if (!(RECORD_FIELDS as readonly string[]).includes(input.name)) {
      throw new InvalidArgumentError("name", `must be one of ${RECORD_FIELDS.join(", ")}`);
    }
    const name = input.name as RecordField;
    assertBytes32(input.salt, "salt");
    if (!Array.isArray(input.proof) || input.proof.length > 32) throw new InvalidArgumentError("proof", "at most 32 hashes");
    input.proof.forEach((p, i) => assertBytes32(p, `proof[${i}]`));
    // Only canonical values were committed: canonicalise what the customer typed (bad values are bad input).
    const value = canonicalizeField(name, input.value);
    const found = await findAttestation(provider, addresses.attestations, input.uid, fromBlock);
    const root = found.proof.data.recordRoot;
    const matches = verifyFieldDisclosure(root, { name, value, salt: input.salt, proof: input.proof });
    const attestationStatus = await attestationStatusAt(found.proof, await latestTime());
    const findings: string[] = [];
    if (!matches) findings.push(`${name} does not match the anchored record root`);
    if (attestationStatus !== "VALID") findings.push(`attestation is ${attestationStatus}`);
    return Object.freeze({ uid: found.uid, field: name, matches, recordRoot: root, attestationStatus, findings });
  }

  return { inspectAttestation, inspectConsent, inspectDisclosures, verifyField };
}

/** Field names of a mask read from chain; an out-of-range mask (impossible on an honest chain) gives []. */
function safeFields(mask: number): RecordField[] {
  try {
    return fieldsOfMask(mask);
  } catch {
    return [];
  }
}

export type Auditor = ReturnType<typeof createAuditor>;
