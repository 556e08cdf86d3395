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
import type { Provider } from "ethers";
import {
  Method,
  Purpose,
  RECORD_FIELDS,
  RevocationReason,
  decodePipelineVersion,
  fieldsOfMask,
  maskCovers,
  nameOf,
  verifyFieldDisclosure,
  type AttestationProof,
  type AttestationStatusName,
  type ConsentStatusName,
  type Hex,
  type RecordField,
  assertBytes32,
  canonicalizeField,
} from "../protocol/index.ts";
import { InvalidArgumentError, isKycnetError } from "../errors.ts";
import { findAttestation, type AttestationLocation } from "../chain/attestation-lookup.ts";
import { createChainView, type ChainView, type ConsentSignatureCheck } from "./chain-view.ts";
import { readConsentEvents, type ConsentChainEvent } from "./consent-events.ts";

export type { ConsentSignatureCheck } from "./chain-view.ts";

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
  readonly refCommitment: Hex;
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

/**
 * The auditor's checks. Reports are frozen and never carry personal data. Inputs are validated
 * first (INVALID_ARGUMENT); an attestation the chain does not hold is ATTESTATION_NOT_FOUND, a
 * consent it does not hold CONSENT_NOT_FOUND; JSON-RPC failures propagate as ethers errors. A
 * check that ran always resolves with a report: problems are `findings`, never exceptions.
 */
export interface Auditor {
  /** Anchoring, issuer membership, uid and status now (and at `at`, unix seconds, when given). */
  inspectAttestation(uid: Hex, options?: { at?: bigint }): Promise<AttestationReport>;
  /** The grant's signature (or sender), the consent's history, and each disclosure under it. */
  inspectConsent(consentId: Hex): Promise<ConsentReport>;
  /** Every disclosure of one attestation's record, each checked against the consent it claims. */
  inspectDisclosures(attestationUid: Hex): Promise<DisclosuresReport>;
  /** Proves (or refutes) that a field value the customer handed over is the one committed in the anchored record. */
  verifyField(input: FieldCheckInput): Promise<FieldReport>;
}

/** What every check needs: the typed chain reads and where to start searching for events. */
interface AuditContext {
  readonly chain: ChainView;
  readonly provider: Provider;
  readonly addresses: AuditorOptions["addresses"];
  readonly fromBlock: number;
}

export function createAuditor({ provider, addresses, fromBlock = 0 }: AuditorOptions): Auditor {
  const context: AuditContext = { chain: createChainView(provider, addresses), provider, addresses, fromBlock };
  return {
    inspectAttestation: (uid, options = {}) => inspectAttestation(context, uid, options),
    inspectConsent: (consentId) => inspectConsent(context, consentId),
    inspectDisclosures: (attestationUid) => inspectDisclosures(context, attestationUid),
    verifyField: (input) => verifyField(context, input),
  };
}

async function inspectAttestation(
  { chain, provider, addresses, fromBlock }: AuditContext,
  uid: Hex,
  options: { at?: bigint },
): Promise<AttestationReport> {
  if (options.at !== undefined && (typeof options.at !== "bigint" || options.at < 0n || options.at >= 1n << 64n)) {
    throw new InvalidArgumentError("at", "must be unix seconds (uint64)");
  }
  const found = await findAttestation(provider, addresses.attestations, uid, fromBlock);
  const { proof } = found;
  const findings: string[] = [];
  const batch = await chain.batchOf(proof.batchRoot);
  if (batch.issuer.toLowerCase() !== proof.issuer.toLowerCase())
    findings.push("batch issuer differs from the anchoring account");
  const onChainUid = await chain.verifiedUid(proof);
  if (onChainUid !== found.uid) findings.push("contract computes a different uid");
  const activeThen = await chain.wasActiveMemberAt(proof.issuer, batch.anchoredAt);
  if (!activeThen) findings.push("issuer was not an active member when it anchored");
  const activeAtIssue = await chain.wasActiveMemberAt(proof.issuer, proof.data.issuedAt);
  const status = await chain.attestationStatusAt(proof, await chain.latestTime());
  const statusAt = options.at === undefined ? null : await chain.attestationStatusAt(proof, options.at);
  // The status that matters is the one asked about: at `at` when given, else now.
  if (statusAt !== null && statusAt !== "VALID") findings.push(`attestation was ${statusAt} at ${options.at}`);
  if (statusAt === null && status !== "VALID") findings.push(`attestation is ${status}`);
  const revocation = await revocationOrDeparture(chain, found.uid, proof.issuer);
  return Object.freeze({
    uid: found.uid,
    issuer: proof.issuer,
    issuerName: await chain.memberName(proof.issuer),
    issuerActiveAtAnchoring: activeThen,
    issuerActiveAtIssue: activeAtIssue,
    anchoredAt: batch.anchoredAt,
    anchoredInTx: found.txHash,
    method: String(nameOf(Method, proof.data.method) ?? proof.data.method),
    assuranceLevel: proof.data.assuranceLevel,
    pipelineVersion: decodePipelineVersion(proof.data.pipelineVersion),
    issuedAt: proof.data.issuedAt,
    expiresAt: proof.data.expiresAt,
    refCommitment: proof.data.refCommitment,
    status,
    at: options.at ?? null,
    statusAt,
    revokedAt: revocation.revokedAt === 0n ? null : revocation.revokedAt,
    revocationReason:
      revocation.revokedAt === 0n
        ? null
        : String(nameOf(RevocationReason, Number(revocation.reason)) ?? revocation.reason),
    proof,
    findings,
  });
}

async function inspectConsent(
  { chain, provider, addresses, fromBlock }: AuditContext,
  consentId: Hex,
): Promise<ConsentReport> {
  const c = await chain.getConsent(consentId);
  const findings: string[] = [];
  const history: ConsentEvent[] = [];
  const events = await readConsentEvents(provider, addresses.consents, { consentId }, fromBlock);
  for (const e of events) {
    const where = { blockNumber: e.blockNumber, at: await chain.blockTime(e.blockNumber), txHash: e.txHash };
    const by = await chain.sender(e.txHash);
    if (e.kind !== "DISCLOSED") {
      history.push({ kind: e.kind, ...where, by, ...(e.kind === "GRANTED" ? { fieldMask: e.fieldMask! } : {}) });
      continue;
    }
    // What the contract checked when it accepted the disclosure (see consentStatusWhen).
    const then = await chain.consentStatusWhen(e, where.at, events);
    if (then !== "ACTIVE") findings.push(`disclosure in block ${e.blockNumber} under a ${then} consent`);
    if (e.grantee!.toLowerCase() !== c.grantee.toLowerCase())
      findings.push(`disclosure in block ${e.blockNumber} to another grantee`);
    if (!maskCovers(Number(c.fieldMask), e.fieldMask!))
      findings.push(`disclosure in block ${e.blockNumber} of fields outside the consent`);
    history.push({ kind: "DISCLOSED", ...where, by, fieldMask: e.fieldMask!, consentStatusThen: then });
  }
  const granted = events.find((e) => e.kind === "GRANTED");
  if (granted === undefined) findings.push("no ConsentGranted event for this consent");
  const signature = await chain.checkGrantSignature(consentId, c.subject as Hex, granted?.txHash);
  if (!signature.valid) findings.push(`grant not signed or sent by the subject key (${signature.via})`);
  return Object.freeze({
    consentId,
    attestationUid: c.attestationUid as Hex,
    subject: c.subject as Hex,
    grantee: c.grantee as Hex,
    granteeName: await chain.memberName(c.grantee as Hex),
    purpose: Number(c.purpose),
    purposeName: (nameOf(Purpose, Number(c.purpose)) as string | undefined) ?? null,
    fieldMask: Number(c.fieldMask),
    fields: safeFields(Number(c.fieldMask)),
    validUntil: c.validUntil,
    status: await chain.consentStatusAt(consentId, await chain.latestTime()),
    signature,
    history,
    findings,
  });
}

async function inspectDisclosures(context: AuditContext, attestationUid: Hex): Promise<DisclosuresReport> {
  const { chain, provider, addresses, fromBlock } = context;
  assertBytes32(attestationUid, "attestationUid");
  const found: AttestationLocation = await findAttestation(provider, addresses.attestations, attestationUid, fromBlock);
  const uid = found.uid;
  const events = await readConsentEvents(provider, addresses.consents, { attestationUid: uid }, fromBlock);
  const now = await chain.latestTime();
  const issuerMemberId = await chain.memberIdOf(found.proof.issuer);
  const findings: string[] = [];

  const consentList: ConsentSummary[] = [];
  for (const e of events.filter((x) => x.kind === "GRANTED")) {
    consentList.push({
      consentId: e.consentId,
      grantee: e.grantee!,
      granteeName: await chain.memberName(e.grantee!),
      purpose: e.purpose!,
      fields: safeFields(e.fieldMask!),
      grantedInBlock: e.blockNumber,
      validUntil: e.validUntil!,
      status: await chain.consentStatusAt(e.consentId, now),
    });
  }

  const disclosures: DisclosureCheck[] = [];
  for (const e of events.filter((x) => x.kind === "DISCLOSED")) {
    const attestation = { uid, proof: found.proof, anchoredInBlock: found.blockNumber, issuerMemberId };
    disclosures.push(await checkDisclosure(chain, e, attestation, events));
  }
  for (const d of disclosures)
    for (const p of d.problems) findings.push(`disclosure in block ${d.blockNumber} (${d.txHash}): ${p}`);
  return Object.freeze({
    attestationUid: uid,
    issuer: found.proof.issuer,
    consents: consentList,
    disclosures,
    findings,
  });
}

/** The disclosed attestation as the disclosure checks need it. */
interface DisclosedAttestation {
  readonly uid: Hex;
  readonly proof: AttestationProof;
  readonly anchoredInBlock: number;
  readonly issuerMemberId: bigint;
}

async function checkDisclosure(
  chain: ChainView,
  e: ConsentChainEvent,
  attestation: DisclosedAttestation,
  events: readonly ConsentChainEvent[],
): Promise<DisclosureCheck> {
  const { uid, proof, anchoredInBlock, issuerMemberId } = attestation;
  const at = await chain.blockTime(e.blockNumber);
  const before = e.blockNumber - 1;
  const problems: string[] = [];
  const consentThen = await chain.consentStatusWhen(e, at, events);
  if (consentThen !== "ACTIVE") problems.push(`consent ${e.consentId} was ${consentThen}`);
  const consent = await chain.getConsent(e.consentId).catch((error: unknown) => {
    if (isKycnetError(error, "CONSENT_NOT_FOUND")) return null;
    throw error;
  });
  if (consent === null) problems.push("no such consent on chain");
  else {
    if (consent.attestationUid.toLowerCase() !== uid) problems.push("consent is for another attestation");
    if (consent.grantee.toLowerCase() !== e.grantee!.toLowerCase())
      problems.push(`consent names grantee ${consent.grantee}, not ${e.grantee}`);
    if (!maskCovers(Number(consent.fieldMask), e.fieldMask!)) problems.push("fields outside the consent's mask");
  }
  const discloser = await chain.sender(e.txHash);
  const discloserMemberId = discloser === "0x" ? 0n : await chain.memberIdOf(discloser);
  if (discloserMemberId === 0n || discloserMemberId !== issuerMemberId)
    problems.push(`sent by ${discloser}, not by the issuing member`);
  let attestationThen: AttestationStatusName = await chain.attestationStatusAt(proof, at, before);
  // Anchored earlier in the disclosure's own block: the block before cannot know it yet.
  if (attestationThen === "UNKNOWN" && anchoredInBlock === e.blockNumber)
    attestationThen = await chain.attestationStatusAt(proof, at);
  if (attestationThen !== "VALID") problems.push(`attestation was ${attestationThen}`);
  return Object.freeze({
    consentId: e.consentId,
    blockNumber: e.blockNumber,
    at,
    txHash: e.txHash,
    discloser,
    grantee: e.grantee!,
    granteeName: await chain.memberName(e.grantee!),
    fields: safeFields(e.fieldMask!),
    requestId: e.requestId!,
    consentStatusThen: consentThen,
    attestationStatusThen: attestationThen,
    problems,
  });
}

async function verifyField(
  { chain, provider, addresses, fromBlock }: AuditContext,
  input: FieldCheckInput,
): Promise<FieldReport> {
  assertBytes32(input.uid, "uid");
  if (!(RECORD_FIELDS as readonly string[]).includes(input.name)) {
    throw new InvalidArgumentError("name", `must be one of ${RECORD_FIELDS.join(", ")}`);
  }
  const name = input.name as RecordField;
  assertBytes32(input.salt, "salt");
  if (!Array.isArray(input.proof) || input.proof.length > 32)
    throw new InvalidArgumentError("proof", "at most 32 hashes");
  input.proof.forEach((p, i) => assertBytes32(p, `proof[${i}]`));
  // Only canonical values were committed: canonicalise what the customer typed (bad values are bad input).
  const value = canonicalizeField(name, input.value);
  const found = await findAttestation(provider, addresses.attestations, input.uid, fromBlock);
  const root = found.proof.data.recordRoot;
  const matches = verifyFieldDisclosure(root, { name, value, salt: input.salt, proof: input.proof });
  const attestationStatus = await chain.attestationStatusAt(found.proof, await chain.latestTime());
  const findings: string[] = [];
  if (!matches) findings.push(`${name} does not match the anchored record root`);
  if (attestationStatus !== "VALID") findings.push(`attestation is ${attestationStatus}`);
  return Object.freeze({ uid: found.uid, field: name, matches, recordRoot: root, attestationStatus, findings });
}

/** Field names of a mask read from chain; an out-of-range mask (impossible on an honest chain) gives []. */
function safeFields(mask: number): RecordField[] {
  try {
    return fieldsOfMask(mask);
  } catch {
    return [];
  }
}

/**
 * The attestation's own revocation, else its issuer's removal from the consortium, which revokes
 * every attestation of that member from then (the ISSUER_LEFT_CONSORTIUM rule, docs/protocol.md §5),
 * whichever came first.
 */
async function revocationOrDeparture(
  chain: ChainView,
  uid: Hex,
  issuer: Hex,
): Promise<{ revokedAt: bigint; reason: bigint }> {
  const own = await chain.revocationOf(uid);
  const removedAt = await chain.memberRemovedAt(issuer);
  if (removedAt !== 0n && (own.revokedAt === 0n || removedAt < own.revokedAt))
    return { revokedAt: removedAt, reason: BigInt(RevocationReason.ISSUER_LEFT_CONSORTIUM) };
  return own;
}
