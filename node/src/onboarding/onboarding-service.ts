/**
 * Full eKYC onboarding at one bank (docs/architecture.md §4), behind the API's `OnboardingService` port:
 * card images → document result; liveness challenge and selfie frames → biometric result; the
 * national-ID registry and sanctions screening; the rule engine's decision. On PASS the verified
 * record is encrypted into the vault and queued for anchoring in one atomic write; on REVIEW it is
 * held in the vault and a review case is opened; on REJECT nothing personal is kept.
 */
import { createHash } from "node:crypto";
import { ZeroHash } from "ethers";
import {
  randomSalts, assertAddress, canonicalizeRecord, commitRecord, Method, type AttestationData, type DocumentType, type Hex, type MethodCode, type RecordFields,
} from "@kycnet/sdk/protocol";
import type {
  DocumentSide, ImageMime, LivenessChallenge, OnboardingDecision, OnboardingService, OnboardingSessionView, SelfieFrame,
} from "./ports.ts";
import { decodeTemplate, encodeTemplate, templateHash, verifySelfie, type ChallengeIssuer, type FaceModel, type SelfieVerification } from "../ekyc/biometrics/index.ts";
import type { IdentityCheckResult, NationalIdRegistry } from "../ekyc/checks/national-id/port.ts";
import type { SanctionsList } from "../ekyc/checks/sanctions/port.ts";
import { decide } from "../ekyc/decision/engine.ts";
import { reasonsShown } from "../ekyc/decision/reasons.ts";
import type { RuleSet } from "../ekyc/decision/rule-set.ts";
import type { DecisionResult } from "../ekyc/decision/types.ts";
import type { DocumentResult } from "../ekyc/document/index.ts";
import type { ReviewQueueStore } from "./review/review-queue.ts";
import type { Vault, VerifiedRecord } from "../vault/vault.ts";
import { biometricAssessment, documentAssessment, registryAssessment, screeningAssessment } from "../ekyc/decision/assessments.ts";
import { SessionStateError, type ReuseContext, type Session, type SessionStore } from "./sessions.ts";
import { prepareReuse, ReuseNotPossibleError, type ReuseDeps, type ReuseRequest } from "./reuse.ts";
import type { EvidenceKind } from "./review/review-case.ts";
import type { StoredValue } from "../vault/store/record-store.ts";
import { isKycnetError, KycnetError } from "@kycnet/sdk/errors";

export interface OnboardingDeps {
  readonly sessions: SessionStore;
  /** Reads a card (document/ with its OCR engines loaded once by the node). */
  readonly readDocument: (images: { front: Uint8Array; back?: Uint8Array }) => Promise<DocumentResult>;
  readonly faceModel: FaceModel;
  readonly challenges: ChallengeIssuer;
  readonly registry: NationalIdRegistry;
  /** null when no list is loaded: the decision then says SANCTIONS_NOT_SCREENED, never a silent pass. */
  readonly sanctions: SanctionsList | null;
  readonly vault: Vault;
  readonly review: ReviewQueueStore;
  readonly rules?: RuleSet;
  /** e.g. "ekyc/0.1.0": goes on chain with every attestation. */
  readonly pipelineVersion: Hex;
  /** How long an attestation is valid (seconds), capped by the document's expiry. */
  readonly attestationValiditySeconds: number;
  readonly observeStage?: (stage: string, ms: number) => void;
  /** Re-onboarding from another member's attestation (absent: this node only onboards). */
  readonly reuse?: ReuseDeps;
  readonly clock?: () => Date;
}

/** What a decided session contributes to the verified record, whichever way it was verified. */
interface RecordDraft {
  readonly fields: Omit<Record<keyof RecordFields, string>, "faceTemplate">;
  readonly method: MethodCode;
  readonly refUid: Hex;
  readonly maxLevel: number;
  readonly expiresAtCap: bigint | null;
  readonly evidence: Readonly<Record<string, StoredValue>>;
  readonly reviewEvidence: ReadonlyArray<{ kind: EvidenceKind; sha256: string }>;
}

const sha256 = (bytes: Uint8Array) => `0x${createHash("sha256").update(bytes).digest("hex")}`;
const actorOf = (sessionId: string) => `onboarding:${sessionId}`;

export function createOnboardingService(deps: OnboardingDeps): OnboardingService {
  const clock = deps.clock ?? (() => new Date());
  const timed = async <T>(stage: string, run: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await run();
    } finally {
      deps.observeStage?.(stage, performance.now() - t);
    }
  };

  const open = (sessionId: string): Session => {
    const session = deps.sessions.get(sessionId);
    if (session.decision !== undefined || session.deciding !== undefined) throw new SessionStateError(sessionId, "the session is already decided");
    return session;
  };

  async function run(session: Session): Promise<OnboardingDecision> {
    if (session.front === undefined) throw new SessionStateError(session.id, "upload the front of the card first");
    if (session.challenge === undefined || session.frames === undefined) throw new SessionStateError(session.id, "complete the liveness challenge first");
    const front = session.front;
    const back = session.back;
    const frames = session.frames;
    const nonce = session.challenge.nonce;

    // The card and the selfie are independent: read them at once (OCR and face models run on
    // their own native threads and the tesseract worker).
    const [document, selfie] = await Promise.all([
      timed("document", () => deps.readDocument(back === undefined ? { front } : { front, back })),
      timed("biometrics", () => verifySelfie(
        { portrait: front, frames: frames.map((f) => ({ image: f.bytes, timestampMs: f.capturedAtMs })), challenge: { nonce } },
        { model: deps.faceModel, challenges: deps.challenges },
      )),
    ]);
    const f = document.fields;
    const identity = f.idNumber.value !== "" ? { idNumber: f.idNumber.value } : { oldIdNumber: f.oldIdNumber.value };
    // The registry needs an id, a name and a date of birth; a card that gave none of them cannot be
    // checked, which the rules treat like an unavailable registry (review), never as a pass.
    const queryable = (identity.idNumber ?? identity.oldIdNumber ?? "") !== "" && f.fullName.value !== "" && f.dateOfBirth.value !== "";
    const registry: IdentityCheckResult = !queryable
      ? { status: "UNAVAILABLE", code: "REGISTRY_QUERY_INCOMPLETE", error: new KycnetError("REGISTRY_QUERY_INCOMPLETE", "id, name or date of birth not read from the card") }
      : await timed("registry", () => deps.registry.checkIdentity({
        ...identity, fullName: f.fullName.value, dateOfBirth: f.dateOfBirth.value, sex: f.sex.value, address: f.address.value,
      }));
    const screening = deps.sanctions === null ? null : await timed("screening", async () =>
      deps.sanctions!.screen({ fullName: f.fullName.value, dateOfBirth: f.dateOfBirth.value, nationality: f.nationality.value || "VNM" }));
    const result = decide({
      document: documentAssessment(document), biometric: biometricAssessment(selfie), registry: registryAssessment(registry),
      screening: screening === null ? null : screeningAssessment(screening), asOf: clock().toISOString().slice(0, 10),
    }, deps.rules);

    const draft: RecordDraft = {
      fields: {
        idNumber: f.idNumber.value, oldIdNumber: f.oldIdNumber.value, fullName: f.fullName.value, dateOfBirth: f.dateOfBirth.value,
        sex: f.sex.value, nationality: f.nationality.value || "VNM", address: f.address.value, issueDate: f.issueDate.value,
        expiryDate: f.expiryDate.value, documentType: document.documentType ?? "CCCD",
      },
      method: result.method === "FULL_EKYC_NFC" ? Method.FULL_EKYC_NFC : Method.FULL_EKYC,
      refUid: ZeroHash as Hex, maxLevel: 2, expiresAtCap: null,
      evidence: { images: { front: sha256(front), back: back ? sha256(back) : null }, documentSignals: document.signals.map((s) => s.code) },
      reviewEvidence: [
        { kind: "DOCUMENT_FRONT", sha256: sha256(front) },
        ...(back ? [{ kind: "DOCUMENT_BACK" as const, sha256: sha256(back) }] : []),
      ],
    };
    const decision = await timed("vault", () => keep(session, selfie, result, draft, frames));
    // The images were needed only for this decision.
    delete session.front;
    delete session.back;
    delete session.frames;
    return decision;
  }

  async function keep(session: Session, selfie: SelfieVerification, result: DecisionResult, draft: RecordDraft, frames: readonly SelfieFrame[]): Promise<OnboardingDecision> {
    const reasons = reasonsShown(result.reasons);
    if (result.decision === "REJECT" || selfie.selfieTemplate === null || result.assuranceLevel === null) {
      return { outcome: "REJECT", reasons: reasons.length > 0 ? reasons : [{ code: "FACE_MATCH_LOW", message: "no usable selfie" }], assuranceLevel: 0 };
    }
    // The record keeps this bank's own live capture as the face template.
    const template = selfie.selfieTemplate;
    let fields: RecordFields;
    try {
      fields = canonicalizeRecord({ ...draft.fields, faceTemplate: templateHash(template) });
    } catch (error) {
      // The rules passed, but a field cannot be committed as read (e.g. a date the card never
      // printed): nothing is stored, and the reason names the field, not its value.
      const field = isKycnetError(error, "INVALID_ARGUMENT") ? String(error.details.field) : "record";
      return { outcome: "REJECT", reasons: [...reasons, { code: "DOCUMENT_FIELDS_INVALID", message: `field ${field} could not be read into a valid value` }], assuranceLevel: 0 };
    }
    const salts = randomSalts();
    const root = commitRecord(fields, salts).root;
    const record: VerifiedRecord = {
      fields, salts,
      evidence: {
        ...draft.evidence,
        faceTemplate: Buffer.from(encodeTemplate(template)).toString("base64"),
        faceModel: selfie.model.id,
        similarity: selfie.similarity,
        frames: frames.map((fr) => sha256(fr.bytes)),
        decision: { outcome: result.decision, reasons: result.reasons.map((r) => r.code), ruleSetVersion: result.ruleSetVersion, asOf: result.asOf },
      },
    };
    const now = BigInt(Math.floor(clock().getTime() / 1000));
    const docExpiry = fields.expiryDate === "" ? null : BigInt(Math.floor(Date.parse(`${fields.expiryDate}T00:00:00Z`) / 1000));
    let expiresAt = now + BigInt(deps.attestationValiditySeconds);
    for (const cap of [docExpiry, draft.expiresAtCap]) if (cap !== null && cap > now && cap < expiresAt) expiresAt = cap;
    const level = Math.min(result.assuranceLevel, draft.maxLevel) as 1 | 2;
    const attestation: AttestationData = {
      subject: session.subject, recordRoot: root, method: draft.method, assuranceLevel: level,
      pipelineVersion: deps.pipelineVersion, issuedAt: now, expiresAt, refUid: draft.refUid,
    };
    const hold = result.decision === "REVIEW";
    const meta = await deps.vault.storeVerifiedRecord({ record, attestation, actor: actorOf(session.id), hold });
    if (!hold) return { outcome: "PASS", reasons, assuranceLevel: level, attestationUid: meta.uid };
    const reviewCase = await deps.review.open({
      recordId: meta.id, sessionId: session.id, decision: result, actor: actorOf(session.id),
      evidence: draft.reviewEvidence.map((e) => ({ ...e, vaultRef: meta.id })),
    });
    return { outcome: "REVIEW", reasons, assuranceLevel: level, attestationUid: meta.uid, reviewCaseId: reviewCase.caseId };
  }

  /** Re-onboarding: the reference face is the issuing bank's template; the fields come verified from it. */
  async function runReuse(session: Session, reuse: ReuseContext): Promise<OnboardingDecision> {
    if (session.challenge === undefined || session.frames === undefined) throw new SessionStateError(session.id, "complete the liveness challenge first");
    const frames = session.frames;
    const selfie = await timed("biometrics", () => verifySelfie(
      { template: decodeTemplate(reuse.faceTemplate), frames: frames.map((f) => ({ image: f.bytes, timestampMs: f.capturedAtMs })), challenge: { nonce: session.challenge!.nonce } },
      { model: deps.faceModel, challenges: deps.challenges },
    ));
    const f = reuse.fields;
    const screening = deps.sanctions === null ? null : await timed("screening", async () =>
      deps.sanctions!.screen({ fullName: f.fullName, dateOfBirth: f.dateOfBirth, nationality: f.nationality }));
    const result = decide({
      document: { fields: { dateOfBirth: f.dateOfBirth, expiryDate: f.expiryDate, documentType: f.documentType as DocumentType }, disagreements: [], tamperSignals: [], chipVerified: reuse.source.data.assuranceLevel === 2 },
      biometric: biometricAssessment(selfie),
      // The issuing member checked the registry; its attestation is the evidence, not re-queried here.
      registry: { status: "MATCH" },
      screening: screening === null ? null : screeningAssessment(screening), asOf: clock().toISOString().slice(0, 10),
    }, deps.rules);
    const { faceTemplate: _theirs, ...fields } = f;
    const decision = await timed("vault", () => keep(session, selfie, result, {
      fields, method: Method.REUSE, refUid: reuse.sourceUid, maxLevel: reuse.source.data.assuranceLevel, expiresAtCap: reuse.source.data.expiresAt,
      evidence: { source: { uid: reuse.sourceUid, issuer: reuse.source.issuer, consentId: reuse.consentId } },
      reviewEvidence: [],
    }, frames));
    delete session.frames;
    return decision;
  }

  const view = (s: Session): OnboardingSessionView => ({
    sessionId: s.id,
    state: s.decision !== undefined ? "DECIDED" : "OPEN",
    createdAt: new Date(s.createdAt).toISOString(),
    expiresAt: new Date(s.expiresAt).toISOString(),
    documents: { front: s.front !== undefined || s.decision !== undefined, back: s.back !== undefined },
    liveness: s.frames !== undefined || s.decision !== undefined ? "FRAMES_RECEIVED" : s.challenge !== undefined ? "CHALLENGED" : "NONE",
    ...(s.decision === undefined ? {} : { decision: s.decision }),
  });

  const createSession = async (subject: Hex) => {
    assertAddress(subject, "subject");
    const s = deps.sessions.create(subject);
    return { sessionId: s.id, expiresAt: new Date(s.expiresAt).toISOString() };
  };

  /** Starts a re-onboarding session: consent relayed, record fetched and verified, then the selfie. */
  const createReuseSession = async (subject: Hex, request: ReuseRequest) => {
    assertAddress(subject, "subject");
    if (deps.reuse === undefined) throw new ReuseNotPossibleError("this node has no record exchange configured");
    const context = await timed("reuse.prepare", () => prepareReuse(deps.reuse!, request, timed));
    const s = deps.sessions.create(subject, context);
    return { sessionId: s.id, expiresAt: new Date(s.expiresAt).toISOString(), issuer: context.issuerName, sourceUid: context.sourceUid };
  };

  return {
    createSession,
    createReuseSession,

    async uploadDocument(sessionId: string, side: DocumentSide, bytes: Uint8Array, _mime: ImageMime) {
      const session = open(sessionId);
      if (session.reuse !== undefined) throw new SessionStateError(sessionId, "a re-onboarding session takes no card images");
      session[side] = bytes;
    },

    async createLivenessChallenge(sessionId: string): Promise<LivenessChallenge> {
      const session = open(sessionId);
      const challenge = deps.challenges.create();
      session.challenge = { id: challenge.nonce, nonce: challenge.nonce, expiresAt: challenge.expiresAt };
      delete session.frames;
      return { challengeId: challenge.nonce, steps: [...challenge.steps], nonce: challenge.nonce as Hex, expiresAt: new Date(challenge.expiresAt).toISOString() };
    },

    async uploadSelfieFrames(sessionId: string, challengeId: string, frames: readonly SelfieFrame[]) {
      const session = open(sessionId);
      if (session.challenge === undefined || session.challenge.id !== challengeId) throw new SessionStateError(sessionId, "no such liveness challenge in this session");
      session.frames = [...frames];
    },

    async decide(sessionId: string): Promise<OnboardingDecision> {
      const session = deps.sessions.get(sessionId);
      if (session.decision !== undefined) return session.decision;
      session.deciding ??= (session.reuse === undefined ? run(session) : runReuse(session, session.reuse)).then((d) => {
        session.decision = d;
        return d;
      }).finally(() => { delete session.deciding; });
      return session.deciding;
    },

    getSession: async (sessionId: string) => view(deps.sessions.get(sessionId)),
  };
}
