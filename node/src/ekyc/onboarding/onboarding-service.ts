/**
 * Full eKYC onboarding at one bank (DESIGN.md §4), behind the API's `OnboardingService` port:
 * card images → document result; liveness challenge and selfie frames → biometric result; the
 * national-ID registry and sanctions screening; the rule engine's decision. On PASS the verified
 * record is encrypted into the vault and queued for anchoring in one atomic write; on REVIEW it is
 * held in the vault and a review case is opened; on REJECT nothing personal is kept.
 */
import { createHash } from "node:crypto";
import { ZeroHash } from "ethers";
import { randomSalts, assertAddress, canonicalizeRecord, commitRecord, Method, type AttestationData, type Hex, type RecordFields } from "../../../../sdk/src/protocol/index.ts";
import type {
  DocumentSide, ImageMime, LivenessChallenge, OnboardingDecision, OnboardingService, OnboardingSessionView, SelfieFrame,
} from "../../api/services.ts";
import { encodeTemplate, templateHash, verifySelfie, type ChallengeIssuer, type FaceModel, type SelfieVerification } from "../biometrics/index.ts";
import type { NationalIdRegistry } from "../checks/national-id/port.ts";
import type { SanctionsList } from "../checks/sanctions/port.ts";
import { decide } from "../decision/engine.ts";
import type { RuleSet } from "../decision/rule-set.ts";
import type { DecisionResult } from "../decision/types.ts";
import type { DocumentResult } from "../document/index.ts";
import type { ReviewQueueStore } from "../../vault/review-queue.ts";
import type { Vault, VerifiedRecord } from "../../vault/vault.ts";
import { biometricAssessment, documentAssessment, registryAssessment, screeningAssessment } from "./assessments.ts";
import { SessionStateError, type Session, type SessionStore } from "./sessions.ts";

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
  readonly clock?: () => Date;
}

const sha256 = (bytes: Uint8Array) => `0x${createHash("sha256").update(bytes).digest("hex")}`;
const actorOf = (sessionId: string) => `onboarding:${sessionId}`;

export function createOnboardingService(deps: OnboardingDeps): OnboardingService & { createSessionFor(subject: Hex): Promise<{ sessionId: string; expiresAt: string }> } {
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

    const document = await timed("document", () => deps.readDocument(back === undefined ? { front } : { front, back }));
    const selfie = await timed("biometrics", () => verifySelfie(
      { portrait: front, frames: frames.map((f) => ({ image: f.bytes, timestampMs: f.capturedAtMs })), challenge: { nonce } },
      { model: deps.faceModel, challenges: deps.challenges },
    ));
    const f = document.fields;
    const identity = f.idNumber.value !== "" ? { idNumber: f.idNumber.value } : { oldIdNumber: f.oldIdNumber.value };
    const registry = await timed("registry", () => deps.registry.checkIdentity({
      ...identity, fullName: f.fullName.value, dateOfBirth: f.dateOfBirth.value, sex: f.sex.value, address: f.address.value,
    }));
    const screening = deps.sanctions === null ? null : await timed("screening", async () =>
      deps.sanctions!.screen({ fullName: f.fullName.value, dateOfBirth: f.dateOfBirth.value, nationality: f.nationality.value || "VNM" }));
    const result = decide({
      document: documentAssessment(document), biometric: biometricAssessment(selfie), registry: registryAssessment(registry),
      screening: screening === null ? null : screeningAssessment(screening), asOf: clock().toISOString().slice(0, 10),
    }, deps.rules);

    const decision = await timed("vault", () => keep(session, document, selfie, result, { front, ...(back ? { back } : {}) }, frames));
    // The images were needed only for this decision.
    delete session.front;
    delete session.back;
    delete session.frames;
    return decision;
  }

  async function keep(
    session: Session, document: DocumentResult, selfie: SelfieVerification, result: DecisionResult,
    images: { front: Uint8Array; back?: Uint8Array }, frames: readonly SelfieFrame[],
  ): Promise<OnboardingDecision> {
    const reasons = result.reasons.filter((r) => r.outcome !== "PASS").map((r) => ({ code: r.code, message: r.code.toLowerCase().replaceAll("_", " ") }));
    if (result.decision === "REJECT" || selfie.selfieTemplate === null || result.assuranceLevel === null) {
      return { outcome: "REJECT", reasons: reasons.length > 0 ? reasons : [{ code: "FACE_MATCH_LOW", message: "no usable selfie" }], assuranceLevel: 0 };
    }
    const template = selfie.selfieTemplate;
    const f = document.fields;
    const fields: RecordFields = canonicalizeRecord({
      idNumber: f.idNumber.value, oldIdNumber: f.oldIdNumber.value, fullName: f.fullName.value, dateOfBirth: f.dateOfBirth.value,
      sex: f.sex.value, nationality: f.nationality.value || "VNM", address: f.address.value, issueDate: f.issueDate.value,
      expiryDate: f.expiryDate.value, documentType: document.documentType ?? "CCCD", faceTemplate: templateHash(template),
    });
    const salts = randomSalts();
    const root = commitRecord(fields, salts).root;
    const record: VerifiedRecord = {
      fields, salts,
      evidence: {
        faceTemplate: Buffer.from(encodeTemplate(template)).toString("base64"),
        faceModel: selfie.model.id,
        similarity: selfie.similarity,
        images: { front: sha256(images.front), back: images.back ? sha256(images.back) : null, frames: frames.map((fr) => sha256(fr.bytes)) },
        decision: { outcome: result.decision, reasons: result.reasons.map((r) => r.code), ruleSetVersion: result.ruleSetVersion, asOf: result.asOf },
        documentSignals: document.signals.map((s) => s.code),
      },
    };
    const now = BigInt(Math.floor(clock().getTime() / 1000));
    const docExpiry = f.expiryDate.value === "" ? null : BigInt(Math.floor(Date.parse(`${f.expiryDate.value}T00:00:00Z`) / 1000));
    const validUntil = now + BigInt(deps.attestationValiditySeconds);
    const attestation: AttestationData = {
      subject: session.subject, recordRoot: root,
      method: result.method === "FULL_EKYC_NFC" ? Method.FULL_EKYC_NFC : Method.FULL_EKYC, assuranceLevel: result.assuranceLevel,
      pipelineVersion: deps.pipelineVersion, issuedAt: now,
      expiresAt: docExpiry !== null && docExpiry < validUntil && docExpiry > now ? docExpiry : validUntil, refUid: ZeroHash as Hex,
    };
    const hold = result.decision === "REVIEW";
    const meta = await deps.vault.storeVerifiedRecord({ record, attestation, actor: actorOf(session.id), hold });
    if (!hold) return { outcome: "PASS", reasons, assuranceLevel: result.assuranceLevel, attestationUid: meta.uid };
    const reviewCase = await deps.review.open({
      recordId: meta.id, sessionId: session.id, decision: result, actor: actorOf(session.id),
      evidence: [
        { kind: "DOCUMENT_FRONT", vaultRef: meta.id, sha256: sha256(images.front) },
        ...(images.back ? [{ kind: "DOCUMENT_BACK" as const, vaultRef: meta.id, sha256: sha256(images.back) }] : []),
      ],
    });
    return { outcome: "REVIEW", reasons, assuranceLevel: result.assuranceLevel, attestationUid: meta.uid, reviewCaseId: reviewCase.caseId };
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

  const createSessionFor = async (subject: Hex) => {
    assertAddress(subject, "subject");
    const s = deps.sessions.create(subject);
    return { sessionId: s.id, expiresAt: new Date(s.expiresAt).toISOString() };
  };

  return {
    createSessionFor,
    // Without a subject the customer's app has not given its per-attestation key yet.
    createSession: async () => { throw new SessionStateError("", "a subject key address is required to open a session"); },

    async uploadDocument(sessionId: string, side: DocumentSide, bytes: Uint8Array, _mime: ImageMime) {
      const session = open(sessionId);
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
      session.deciding ??= run(session).then((d) => {
        session.decision = d;
        return d;
      }).finally(() => { delete session.deciding; });
      return session.deciding;
    },

    getSession: async (sessionId: string) => view(deps.sessions.get(sessionId)),
  };
}
