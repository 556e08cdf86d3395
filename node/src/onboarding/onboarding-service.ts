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
import { runFullEkyc, runReuse } from "./decision-runs.ts";
import type { DecisionContext, OnboardingDeps, Timed } from "./onboarding-deps.ts";
import { SessionStateError, type Session } from "./sessions.ts";
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
  const startDecision = (session: Session): Promise<OnboardingDecision> =>
    (session.reuse === undefined ? runFullEkyc(context, session) : runReuse(context, session, session.reuse))
      .then((d) => {
        session.decision = d;
        return d;
      })
      .finally(() => {
        delete session.deciding;
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

    async uploadDocument(sessionId: string, side: DocumentSide, bytes: Uint8Array, _mime: ImageMime) {
      const session = open(sessionId);
      if (session.reuse !== undefined)
        throw new SessionStateError(sessionId, "a re-onboarding session takes no card images");
      // One document per session: a card's sides, or a passport's data page (held as the front).
      const passport = session.documentKind === "PASSPORT";
      if (side === "passport") {
        if (!passport && (session.front !== undefined || session.back !== undefined))
          throw new SessionStateError(
            sessionId,
            "this session holds an ID card: a passport needs a session of its own",
          );
        deps.sessions.holdImages(session, { front: bytes });
        session.documentKind = "PASSPORT";
      } else {
        if (passport)
          throw new SessionStateError(
            sessionId,
            "this session holds a passport: an ID card needs a session of its own",
          );
        deps.sessions.holdImages(session, { [side]: bytes });
      }
    },

    async createChipChallenge(sessionId: string) {
      const chip = requireChip(deps.chip);
      return issueChipChallenge(chip, openFullEkyc(deps, sessionId).id);
    },

    async uploadChip(sessionId: string, upload: ChipUploadInput) {
      const chip = requireChip(deps.chip);
      const session = openFullEkyc(deps, sessionId);
      const verification = await timed("chip", () => verifyChipUpload(chip, session.id, upload, context.clock()));
      session.chip = verification;
      return chipUploadResult(verification);
    },

    async createLivenessChallenge(sessionId: string): Promise<LivenessChallenge> {
      const session = open(sessionId);
      const challenge = deps.challenges.create();
      session.challenge = { id: challenge.nonce, nonce: challenge.nonce, expiresAt: challenge.expiresAt };
      delete session.frames;
      return {
        challengeId: challenge.nonce,
        steps: [...challenge.steps],
        promptsAtMs: [...challenge.promptsAtMs],
        nonce: challenge.nonce,
        expiresAt: new Date(challenge.expiresAt).toISOString(),
      };
    },

    async uploadSelfieFrames(sessionId: string, challengeId: string, frames: readonly SelfieFrame[]) {
      const session = open(sessionId);
      if (session.challenge === undefined || session.challenge.id !== challengeId)
        throw new SessionStateError(sessionId, "no such liveness challenge in this session");
      deps.sessions.holdImages(session, { frames: [...frames] });
    },

    async decide(sessionId: string): Promise<OnboardingDecision> {
      const session = deps.sessions.get(sessionId);
      if (session.decision !== undefined) return session.decision;
      // Concurrent calls share the decision being computed instead of starting another.
      session.deciding ??= startDecision(session);
      return session.deciding;
    },

    getSession: async (sessionId: string) => sessionView(deps.sessions.get(sessionId)),
  };
}

/** A session that can still take uploads; SESSION_STATE_CONFLICT once decided or deciding. */
function openUndecided(deps: OnboardingDeps, sessionId: string): Session {
  const session = deps.sessions.get(sessionId);
  if (session.decision !== undefined || session.deciding !== undefined)
    throw new SessionStateError(sessionId, "the session is already decided");
  return session;
}

/** An undecided full-eKYC session: re-onboarding takes no card and no chip. */
function openFullEkyc(deps: OnboardingDeps, sessionId: string): Session {
  const session = openUndecided(deps, sessionId);
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
      front: s.documentKind !== "PASSPORT" && (s.front !== undefined || s.decision !== undefined),
      back: s.back !== undefined,
      // Only said for a passport session: card sessions keep their shape.
      ...(s.documentKind === "PASSPORT" ? { passport: true } : {}),
      // Only said once a chip was uploaded: sessions of nodes (and fakes) without chips keep their shape.
      ...(s.chip === undefined ? {} : { chip: true }),
    },
    liveness:
      s.frames !== undefined || s.decision !== undefined
        ? "FRAMES_RECEIVED"
        : s.challenge !== undefined
          ? "CHALLENGED"
          : "NONE",
    ...(s.decision === undefined ? {} : { decision: s.decision }),
  };
}
