/**
 * What happens to a decided session's data: on PASS the verified record is sealed into the vault
 * and queued for anchoring; on REVIEW it is held in the vault and a review case opened; on REJECT
 * (or a record that cannot be committed) nothing personal is kept.
 */
import { createHash } from "node:crypto";
import {
  randomSalts,
  canonicalizeRecord,
  commitRecord,
  type AttestationData,
  type Hex,
  type MethodCode,
  type RecordFields,
} from "@kycnet/sdk/protocol";
import { isKycnetError } from "@kycnet/sdk/errors";
import { encodeTemplate, templateHash, type SelfieVerification } from "../ekyc/biometrics/index.ts";
import { reasonsShown } from "../ekyc/decision/reasons.ts";
import { RULES_V1 } from "../ekyc/decision/rule-set.ts";
import type { DecisionResult } from "../ekyc/decision/types.ts";
import type { StoredValue } from "../vault/store/record-store.ts";
import type { StoreRecordInput, VerifiedRecord } from "../vault/vault.ts";
import type { DecisionContext } from "./onboarding-deps.ts";
import type { OnboardingDecision, SelfieFrame } from "./ports.ts";
import { evidenceParts, type EvidenceInHand } from "./review/case-evidence.ts";
import type { EvidenceKind } from "./review/review-case.ts";
import { SessionStateError, type Session } from "./sessions.ts";
import type { QueuedCase } from "./review/review-queue.ts";
import type { DuplicateMatch } from "./duplicate-identities.ts";
import { policyExpiresAt } from "./attestation-validity.ts";

/** What a decided session contributes to the verified record, whichever way it was verified. */
export interface RecordDraft {
  readonly fields: Omit<Record<keyof RecordFields, string>, "faceTemplate">;
  readonly method: MethodCode;
  /** REUSE: the salted commitment to the source uid (its salt is in `evidence.source`); else zero. */
  readonly refCommitment: Hex;
  readonly maxLevel: number;
  /** REUSE: the source's on-chain expiry, which this attestation never outlives; else null. */
  readonly expiresAtCap: bigint | null;
  readonly evidence: Readonly<Record<string, StoredValue>>;
  readonly reviewEvidence: ReadonlyArray<{ kind: EvidenceKind; sha256: string }>;
  /** Index entries written with the record, atomically (re-onboarding: source uid → this record). */
  readonly extraOps?: StoreRecordInput["extraOps"];
}

/** The outcome of the checks, as `keepDecision` takes it. */
export interface CheckedSession {
  readonly selfie: SelfieVerification;
  readonly result: DecisionResult;
  readonly draft: RecordDraft;
  readonly frames: readonly SelfieFrame[];
  /** What the run saw, sealed beside the record for review and audit (review/case-evidence.ts). */
  readonly evidence: EvidenceInHand;
  /** The bank's records this one collides with (duplicate-identities.ts); they make the case a DUPLICATE one. */
  readonly duplicates?: readonly DuplicateMatch[];
}

export const sha256 = (bytes: Uint8Array) => `0x${createHash("sha256").update(bytes).digest("hex")}`;
const actorOf = (sessionId: string) => `onboarding:${sessionId}`;

/** Keeps (or not) the session's record according to the decision, and says what was decided. */
export async function keepDecision(
  context: DecisionContext,
  session: Session,
  checked: CheckedSession,
): Promise<OnboardingDecision> {
  const { deps } = context;
  const { selfie, result, draft } = checked;
  const reasons = reasonsShown(result.reasons);
  if (result.decision === "REJECT" || selfie.selfieTemplate === null || result.assuranceLevel === null) {
    return {
      outcome: "REJECT",
      reasons: reasons.length > 0 ? reasons : [{ code: "FACE_MATCH_LOW", message: "no usable selfie" }],
      assuranceLevel: 0,
    };
  }
  // The record keeps this bank's own live capture as the face template.
  let fields: RecordFields;
  try {
    fields = canonicalizeRecord({ ...draft.fields, faceTemplate: templateHash(selfie.selfieTemplate) });
  } catch (error) {
    // The rules passed, but a field cannot be committed as read (e.g. a date the card never
    // printed): nothing is stored, and the reason names the field, not its value.
    const field = isKycnetError(error, "INVALID_ARGUMENT") ? String(error.details.field) : "record";
    return {
      outcome: "REJECT",
      reasons: [
        ...reasons,
        { code: "DOCUMENT_FIELDS_INVALID", message: `field ${field} could not be read into a valid value` },
      ],
      assuranceLevel: 0,
    };
  }
  const record = verifiedRecord(fields, selfie.selfieTemplate, checked);
  const level = Math.min(result.assuranceLevel, draft.maxLevel) as 1 | 2;
  const attestation = attestationFor(context, session.subject, record, draft, level);
  const hold = result.decision === "REVIEW";
  const evidence = deps.evidence;
  const actor = actorOf(session.id);
  const dailyLimitVnd = (deps.rules ?? RULES_V1).levels[level].dailyLimitVnd;
  const duplicates = checked.duplicates ?? [];
  // Held records are indexed too: a second attempt while the first waits for review is a duplicate as well.
  const identity = { idNumber: fields.idNumber, oldIdNumber: fields.oldIdNumber, template: selfie.selfieTemplate };
  let opened: QueuedCase | undefined;
  let decision: OnboardingDecision | undefined;
  try {
    const meta = await deps.vault.storeVerifiedRecord({
      record,
      attestation,
      actor,
      hold,
      // One record per session, across instances: another run that kept its record first wins.
      check: async () => {
        if ((await deps.sessions.keptDecision(session.id)) !== undefined)
          throw new SessionStateError(session.id, "the session's record is kept already");
      },
      // Sealed in the record's own write, and the review case opened in it: a reviewer never sees a
      // case without its evidence, and a crash never leaves a held record without its case.
      sealedExtras: async ({ id, keyId }: { id: string; keyId: string }) => {
        const sealed =
          evidence === undefined
            ? { ops: [], events: [] }
            : await evidence.sealOps(id, keyId, evidenceParts(checked.evidence), actor);
        if (!hold) return sealed;
        const opening = deps.review.opening({
          recordId: id,
          sessionId: session.id,
          decision: result,
          actor,
          evidence: [
            ...draft.reviewEvidence.map((e) => ({ ...e, vaultRef: id })),
            ...duplicates.map(duplicateEvidence),
          ],
          ...(duplicates.length > 0 ? { kind: "DUPLICATE" as const } : {}),
        });
        opened = opening.opened;
        return { ops: [...sealed.ops, ...opening.ops], events: [...sealed.events, ...opening.events] };
      },
      // The decision kept in the record's write too: an instance that dies before storing it in the
      // session leaves it for the takeover, which finishes the session with it (sessions.ts, decideOnce).
      extraOps: (stored) => {
        decision = hold
          ? {
              outcome: "REVIEW",
              reasons,
              assuranceLevel: level,
              attestationUid: stored.uid,
              reviewCaseId: opened!.caseId,
              dailyLimitVnd,
            }
          : { outcome: "PASS", reasons, assuranceLevel: level, attestationUid: stored.uid, dailyLimitVnd };
        return [...(draft.extraOps?.(stored) ?? []), deps.sessions.keptDecisionOp(session.id, decision)];
      },
      ...(deps.duplicates === undefined ? {} : { indexEntry: deps.duplicates.entryOf(identity) }),
    });
    deps.duplicates?.indexed(meta.id, identity);
    return decision!;
  } catch (error) {
    // Another run kept the session's record first (or this write's outcome was unknown, and it had
    // landed): its decision is the session's.
    const kept = await deps.sessions.keptDecision(session.id).catch(() => undefined);
    if (kept !== undefined) return kept;
    throw error;
  }
}

/** The other record of a duplicate finding as case evidence: its vault id, and a hash of what was found. */
function duplicateEvidence(d: DuplicateMatch): { kind: "DUPLICATE_MATCH"; vaultRef: string; sha256: string } {
  const finding = JSON.stringify({ kind: d.kind, otherUid: d.otherUid, similarity: d.similarity });
  return { kind: "DUPLICATE_MATCH", vaultRef: d.recordId, sha256: sha256(new TextEncoder().encode(finding)) };
}

/** The record the vault seals: fresh salts, and evidence as hashes and codes (no raw images). */
function verifiedRecord(
  fields: RecordFields,
  template: NonNullable<SelfieVerification["selfieTemplate"]>,
  { selfie, result, draft, frames }: CheckedSession,
): VerifiedRecord {
  return {
    fields,
    salts: randomSalts(),
    evidence: {
      ...draft.evidence,
      faceTemplate: Buffer.from(encodeTemplate(template)).toString("base64"),
      faceModel: selfie.model.id,
      similarity: selfie.similarity,
      frames: frames.map((fr) => sha256(fr.bytes)),
      decision: {
        outcome: result.decision,
        reasons: result.reasons.map((r) => r.code),
        ruleSetVersion: result.ruleSetVersion,
        asOf: result.asOf,
      },
    },
  };
}

/**
 * The attestation of the record: valid from the decision time for the configured period, rounded
 * to a UTC month start and capped by the source's validity for REUSE (attestation-validity.ts).
 * The card's expiry is deliberately not used: it would put the holder's birthday on chain.
 */
function attestationFor(
  { deps, clock }: DecisionContext,
  subject: Hex,
  record: VerifiedRecord,
  draft: RecordDraft,
  level: 1 | 2,
): AttestationData {
  const now = BigInt(Math.floor(clock().getTime() / 1000));
  const expiresAt = policyExpiresAt(now, deps.attestationValiditySeconds, draft.expiresAtCap);
  // runReuse refuses a source in its last month before anything is kept, so this is a defect.
  if (expiresAt === null) throw new Error("no attestation validity left under the source's expiry");
  return {
    subject,
    recordRoot: commitRecord(record.fields, record.salts).root,
    method: draft.method,
    assuranceLevel: level,
    pipelineVersion: deps.pipelineVersion,
    issuedAt: now,
    expiresAt,
    refCommitment: draft.refCommitment,
  };
}
