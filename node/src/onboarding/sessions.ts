/**
 * Onboarding sessions: the port and its types. Sessions live in the vault's store
 * (adapters/stored-sessions.ts), sealed, so that any instance of the bank's node serves any request
 * of a session and a restart keeps open sessions. A session is plain data (JSON with bytes, bigints
 * and dates, see session-codec.ts): fields added to `Session` travel with it without further work.
 * Its uploaded images are sealed in the store beside it and deleted in the write that records the
 * decision, or by the expiry sweep. Bounded in number and lifetime. The node's upload budget
 * (`uploadBudgetBytes`) bounds the image bytes the process holds at once (uploads being sealed and
 * written, images opened for a decision): past it an upload is refused with UPLOAD_BUDGET_FULL
 * (503, Retry-After) and the session keeps what it had.
 */
import { KycnetError } from "@kycnet/sdk/errors";
import type { AttestationProof, Hex, RecordFields } from "@kycnet/sdk/protocol";
import type { Challenge } from "../ekyc/biometrics/index.ts";
import type { ChipVerification, IssuedChallenge } from "../ekyc/document/chip/index.ts";
import type { DocumentResult } from "../ekyc/document/index.ts";
import type { WriteOp } from "../vault/store/record-store.ts";
import type {
  CollectionConsentView,
  FieldConfirmationView,
  ImageMime,
  OnboardingDecision,
  SelfieFrame,
} from "./ports.ts";

/** Re-onboarding: what was verified at the issuing bank, fetched under the customer's consent. */
export interface ReuseContext {
  readonly consentId: Hex;
  readonly source: AttestationProof;
  readonly sourceUid: Hex;
  /** Verified canonical fields (all of them: re-onboarding needs the whole record). */
  readonly fields: RecordFields;
  /** Canonical face template bytes from the issuing bank's record. */
  readonly faceTemplate: Uint8Array;
  readonly issuerName: string;
}

/** What a session's stored images are (sizes and frame metadata); their bytes are sealed apart. */
export interface StoredImages {
  readonly front?: number;
  readonly back?: number;
  /** The frames answer the challenge `challengeId`: a new challenge makes them stale. */
  readonly frames?: {
    readonly challengeId: string;
    readonly frames: readonly { readonly mime: ImageMime; readonly capturedAtMs: number; readonly bytes: number }[];
  };
}

export interface Session {
  readonly id: string;
  readonly subject: Hex;
  readonly reuse?: ReuseContext;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** The images stored for it; written only by the store (`holdImages`, and the decision's write). */
  readonly images?: StoredImages;
  /** Full eKYC: the customer's consent to the collection, recorded before any image (collection-consent.ts). */
  collectionConsent?: CollectionConsentView;
  /** The card as read at the document step, for the customer to check; a new upload clears it (field-confirmation.ts). */
  reading?: DocumentResult;
  /** The customer's answer to `reading`: confirmed, or corrected. */
  fieldConfirmation?: FieldConfirmationView;
  /** Set when the data page of a passport was uploaded (stored as the front): the session then takes no card side. */
  documentKind?: "PASSPORT";
  /**
   * The chip's active-authentication challenge (level 2), issued and consumed only through `modify`
   * (a compare-and-set in the store), never by `save`: a used challenge never becomes unused again.
   */
  chipChallenge?: IssuedChallenge;
  /** The chip as verified at upload (level 2): its portrait becomes the face reference. */
  chip?: ChipVerification;
  /** The liveness challenge as issued (whole, so another instance can check the answer to it). */
  challenge?: { id: string; nonce: string; expiresAt: number; issued?: Challenge };
  decision?: OnboardingDecision;
  /** When an instance started deciding it (the claim that keeps the decision to one instance). */
  decidingSince?: number;
}

/** Image bytes in hand: an upload, or what a decision opened. */
export interface SessionImages {
  readonly front?: Uint8Array;
  readonly back?: Uint8Array;
  readonly frames?: readonly SelfieFrame[];
}

export class SessionNotFoundError extends KycnetError {
  constructor(id: string) {
    super("SESSION_NOT_FOUND", "no such onboarding session", { details: { sessionId: id } });
  }
}
export class SessionExpiredError extends KycnetError {
  constructor(id: string) {
    super("SESSION_EXPIRED", "the onboarding session expired; start a new one", { details: { sessionId: id } });
  }
}
export class SessionStateError extends KycnetError {
  constructor(id: string, reason: string) {
    super("SESSION_STATE_CONFLICT", reason, { details: { sessionId: id } });
  }
}
export class TooManySessionsError extends KycnetError {
  constructor(max: number) {
    super("RATE_LIMITED", `too many open onboarding sessions (at most ${max})`, { details: { max } });
  }
}

export class UploadBudgetFullError extends KycnetError {
  constructor(budgetBytes: number) {
    super(
      "UPLOAD_BUDGET_FULL",
      `the node holds as many uploaded images as its budget allows (${budgetBytes} bytes); retry shortly`,
      { details: { budgetBytes } },
    );
  }
}

export const DEFAULT_UPLOAD_BUDGET_BYTES = 512 * 1024 * 1024;

/** The frames stored for the session's current challenge (frames of an earlier challenge do not count). */
export function currentFrames(session: Session): NonNullable<StoredImages["frames"]>["frames"] | undefined {
  const frames = session.images?.frames;
  return frames !== undefined && frames.challengeId === session.challenge?.id ? frames.frames : undefined;
}

/** Bytes of images in hand. */
export function imageBytes(images: SessionImages): number {
  let bytes = (images.front?.byteLength ?? 0) + (images.back?.byteLength ?? 0);
  for (const frame of images.frames ?? []) bytes += frame.bytes.byteLength;
  return bytes;
}

/** The open onboarding sessions, bounded in number and lifetime, shared by every instance of the node. */
export interface SessionStore {
  /** Opens a session; throws RATE_LIMITED (TooManySessionsError) when `maxSessions` are open. */
  create(subject: Hex, reuse?: ReuseContext): Promise<Session>;
  /**
   * The session, if it exists and has not expired (a decided session stays readable until expiry).
   * Throws SESSION_NOT_FOUND or SESSION_EXPIRED; never returns an expired session.
   */
  get(id: string): Promise<Session>;
  /**
   * Stores the session's own fields (not its images, which `holdImages` owns, nor its chip
   * challenge, which only `modify` changes).
   */
  save(session: Session): Promise<void>;
  /**
   * Compare-and-set on one session, across instances: `change` gets the session as stored now (under
   * the session's lock in the store) and returns its next state and a result, written before any
   * other change of the session is read; nothing is written when `change` throws. Throws
   * SESSION_NOT_FOUND / SESSION_EXPIRED.
   */
  modify<T>(id: string, change: (current: Session) => Promise<{ next: Session; result: T }>): Promise<T>;
  /**
   * Seals and stores these images for `session` (replacing those of the same names; frames answer
   * its current challenge) if the process's upload budget has room for them while they are sealed
   * and written; else throws UPLOAD_BUDGET_FULL and changes nothing.
   */
  holdImages(session: Session, images: SessionImages): Promise<void>;
  /**
   * Runs `use` with the session's stored images opened, within the upload budget (the document step
   * reads the card before the decision, for the customer to check what was read).
   */
  withImages<T>(session: Session, use: (images: SessionImages) => Promise<T>): Promise<T>;
  /**
   * Decides the session once, whichever instance is asked and however often: `run` gets the session
   * (claimed in the store, so that no other instance decides it meanwhile) and its images, opened
   * within the upload budget. The decision is stored and the images deleted in one write. Callers on
   * another instance wait for the decision; the deciding instance renews its claim while `run` runs,
   * and a claim not renewed for `claimTtlMs` (its instance died) is taken over. A failed `run` lets the claim go. A decision already kept by a record's write
   * (`keptDecisionOp`: the instance died after storing the record, before storing the decision) is
   * the decision: the takeover finishes the session with it and does not run again.
   */
  decideOnce(
    id: string,
    run: (session: Session, images: SessionImages) => Promise<OnboardingDecision>,
  ): Promise<OnboardingDecision>;
  /**
   * The write that keeps `decision` as the session's, to go in the atomic write of what the decision
   * keeps (its record, its review case): a takeover then finds it (`decideOnce`). No personal data:
   * outcome, reason codes, level, attestation uid and case id, as the audit log's `decision.made`.
   */
  keptDecisionOp(id: string, decision: OnboardingDecision): WriteOp;
  /** The decision a record's write kept for the session (`keptDecisionOp`), if any. */
  keptDecision(id: string): Promise<OnboardingDecision | undefined>;
  /** Deletes expired sessions and their images, and destroys the session keys of days gone; safe on several instances at once. Returns how many sessions it deleted. */
  sweepExpired(): Promise<number>;
  /** Bytes of images the process holds now (being stored, or opened for a decision). */
  readonly heldBytes: number;
}
