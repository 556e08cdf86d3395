/**
 * Full eKYC onboarding at one bank (docs/architecture.md §4), behind the API's `OnboardingService` port:
 * card images → document result; liveness challenge and selfie frames → biometric result; the
 * national-ID registry and sanctions screening; the rule engine's decision. On PASS the verified
 * record is encrypted into the vault and queued for anchoring in one atomic write; on REVIEW it is
 * held in the vault and a review case is opened; on REJECT nothing personal is kept.
 */
import { assertAddress, type Hex } from "@kycnet/sdk/protocol";
import type {
  ChipUploadInput,
  DocumentSide,
  ImageMime,
  LivenessChallenge,
  OnboardingDecision,
  OnboardingService,
  OnboardingSessionView,
  SelfieFrame,
} from "./ports.ts";
import { chipUploadResult, issueChipChallenge, requireChip, verifyChipUpload } from "./chip-reading.ts";
import { recordCollectionConsent, requireCollectionConsent } from "./collection-consent.ts";
import { confirmFields, documentReadingView } from "./field-confirmation.ts";
import { documentImages, runFullEkyc, runReuse } from "./decision-runs.ts";
import type { DecisionContext, OnboardingDeps, Timed } from "./onboarding-deps.ts";
import { currentFrames, SessionStateError, type Session, type SessionImages } from "./sessions.ts";
import { prepareReuse, ReuseNotPossibleError, type ReuseRequest } from "./reuse.ts";

export type { OnboardingDeps } from "./onboarding-deps.ts";

export function createOnboardingService(deps: OnboardingDeps): OnboardingService {
  const timed: Timed = async (stage, run) => {
    const t = performance.now();
    try {
      return await run();
    } finally {
      deps.observeStage?.(stage, performance.now() - t);
    }
  };
  const context: DecisionContext = { deps, clock: deps.clock ?? (() => new Date()), timed };

  const open = (sessionId: string) => openUndecided(deps, sessionId);
  const runDecision = (session: Session, images: SessionImages): Promise<OnboardingDecision> => {
    // The challenge may have been issued by another instance of the node: the session carries it.
    if (session.challenge?.issued !== undefined) deps.challenges.adopt(session.challenge.issued);
    return session.reuse === undefined
      ? runFullEkyc(context, session, images)
      : runReuse(context, session, session.reuse, images);
  };

  const createSession = async (subject: Hex) => {
    assertAddress(subject, "subject");
    const s = await deps.sessions.create(subject);
    return { sessionId: s.id, expiresAt: new Date(s.expiresAt).toISOString() };
  };

  /** Starts a re-onboarding session: consent relayed, record fetched and verified, then the selfie. */
  const createReuseSession = async (subject: Hex, request: ReuseRequest) => {
    assertAddress(subject, "subject");
    if (deps.reuse === undefined) throw new ReuseNotPossibleError("this node has no record exchange configured");
    const context = await timed("reuse.prepare", () => prepareReuse(deps.reuse!, request, timed));
    const s = await deps.sessions.create(subject, context);
    return {
      sessionId: s.id,
      expiresAt: new Date(s.expiresAt).toISOString(),
      issuer: context.issuerName,
      sourceUid: context.sourceUid,
    };
  };

  return {
    createSession,
    createReuseSession,

    async recordCollectionConsent(sessionId, consent) {
      const session = await open(sessionId);
      const view = recordCollectionConsent(session, consent, context.clock());
      await deps.sessions.save(session);
      return view;
    },

    async uploadDocument(sessionId: string, side: DocumentSide, bytes: Uint8Array, _mime: ImageMime) {
      const session = await open(sessionId);
      if (session.reuse !== undefined)
        throw new SessionStateError(sessionId, "a re-onboarding session takes no card images");
      requireCollectionConsent(session, "cardImages");
      // One document per session: a card's sides, or a passport's data page (held as the front).
      const passport = session.documentKind === "PASSPORT";
      if (side === "passport") {
        if (!passport && (session.images?.front !== undefined || session.images?.back !== undefined))
          throw new SessionStateError(
            sessionId,
            "this session holds an ID card: a passport needs a session of its own",
          );
      } else if (passport) {
        throw new SessionStateError(sessionId, "this session holds a passport: an ID card needs a session of its own");
      }
      await deps.sessions.holdImages(session, side === "passport" ? { front: bytes } : { [side]: bytes });
      // What the customer checked was another image: they check the new reading again.
      if (side === "passport" || session.reading !== undefined || session.fieldConfirmation !== undefined) {
        if (side === "passport") session.documentKind = "PASSPORT";
        delete session.reading;
        delete session.fieldConfirmation;
        await deps.sessions.save(session);
      }
    },

    async readDocumentFields(sessionId: string) {
      const session = await openFullEkyc(deps, sessionId);
      if (session.images?.front === undefined)
        throw new SessionStateError(sessionId, "upload the front of the card (or the passport's data page) first");
      if (session.reading === undefined) {
        session.reading = await deps.sessions.withImages(session, ({ front, back }) => {
          if (front === undefined) throw new SessionStateError(sessionId, "upload the front of the card first");
          return timed("document", () => deps.readDocument(documentImages(session, front, back)));
        });
        await deps.sessions.save(session);
      }
      return documentReadingView(session.reading, session.chip, session.fieldConfirmation);
    },

    async confirmDocumentFields(sessionId, body) {
      const session = await openFullEkyc(deps, sessionId);
      if (session.reading === undefined)
        throw new SessionStateError(sessionId, "read the card first (document-reading), then confirm what was read");
      session.fieldConfirmation = confirmFields(session.reading, session.chip, body, context.clock());
      await deps.sessions.save(session);
      return session.fieldConfirmation;
    },

    async createChipChallenge(sessionId: string) {
      const chip = requireChip(deps.chip);
      await openFullEkyc(deps, sessionId);
      return issueChipChallenge(chip, deps.sessions, sessionId, context.clock());
    },

    async uploadChip(sessionId: string, upload: ChipUploadInput) {
      const chip = requireChip(deps.chip);
      const session = await openFullEkyc(deps, sessionId);
      requireCollectionConsent(session, "chipData");
      const verification = await timed("chip", () =>
        verifyChipUpload(chip, deps.sessions, session.id, upload, context.clock()),
      );
      return chipUploadResult(verification);
    },

    async createLivenessChallenge(sessionId: string): Promise<LivenessChallenge> {
      const session = await open(sessionId);
      const challenge = deps.challenges.create();
      // Frames stored for an earlier challenge stop counting (sessions.ts, `currentFrames`).
      session.challenge = {
        id: challenge.nonce,
        nonce: challenge.nonce,
        expiresAt: challenge.expiresAt,
        issued: challenge,
      };
      await deps.sessions.save(session);
      return {
        challengeId: challenge.nonce,
        steps: [...challenge.steps],
        promptsAtMs: [...challenge.promptsAtMs],
        nonce: challenge.nonce,
        expiresAt: new Date(challenge.expiresAt).toISOString(),
      };
    },

    async uploadSelfieFrames(sessionId: string, challengeId: string, frames: readonly SelfieFrame[]) {
      const session = await open(sessionId);
      if (session.challenge === undefined || session.challenge.id !== challengeId)
        throw new SessionStateError(sessionId, "no such liveness challenge in this session");
      requireCollectionConsent(session, "selfieImages");
      await deps.sessions.holdImages(session, { frames: [...frames] });
    },

    async decide(sessionId: string): Promise<OnboardingDecision> {
      // Concurrent calls, on this instance or another, share one decision (sessions.ts, `decideOnce`).
      return deps.sessions.decideOnce(sessionId, runDecision);
    },

    getSession: async (sessionId: string) => sessionView(await deps.sessions.get(sessionId)),
  };
}

/** A session that can still take uploads; SESSION_STATE_CONFLICT once decided or deciding. */
async function openUndecided(deps: OnboardingDeps, sessionId: string): Promise<Session> {
  const session = await deps.sessions.get(sessionId);
  if (session.decision !== undefined || session.decidingSince !== undefined)
    throw new SessionStateError(sessionId, "the session is already decided");
  return session;
}

/** An undecided full-eKYC session: re-onboarding takes no card and no chip. */
async function openFullEkyc(deps: OnboardingDeps, sessionId: string): Promise<Session> {
  const session = await openUndecided(deps, sessionId);
  if (session.reuse !== undefined)
    throw new SessionStateError(sessionId, "a re-onboarding session takes no card or chip data");
  return session;
}

/** What the API shows of a session: its progress, never its images. */
function sessionView(s: Session): OnboardingSessionView {
  return {
    sessionId: s.id,
    state: s.decision !== undefined ? "DECIDED" : "OPEN",
    createdAt: new Date(s.createdAt).toISOString(),
    expiresAt: new Date(s.expiresAt).toISOString(),
    documents: {
      front: s.documentKind !== "PASSPORT" && (s.images?.front !== undefined || s.decision !== undefined),
      back: s.images?.back !== undefined,
      // Only said for a passport session: card sessions keep their shape.
      ...(s.documentKind === "PASSPORT" ? { passport: true } : {}),
      // Only said once a chip was uploaded: sessions of nodes (and fakes) without chips keep their shape.
      ...(s.chip === undefined ? {} : { chip: true }),
    },
    liveness:
      currentFrames(s) !== undefined || s.decision !== undefined
        ? "FRAMES_RECEIVED"
        : s.challenge !== undefined
          ? "CHALLENGED"
          : "NONE",
    ...(s.decision === undefined ? {} : { decision: s.decision }),
  };
}
