/**
 * Onboarding sessions in memory. They hold the customer's raw images for the minutes between
 * upload and decision, so they are deliberately never written to disk: a crash loses in-flight
 * sessions (the customer starts again) rather than leaving card photos in a database. Bounded in
 * number and lifetime; images are dropped as soon as the decision is made. The images held by
 * open sessions share one byte budget per node (`uploadBudgetBytes`): an upload that would pass it
 * is refused with UPLOAD_BUDGET_FULL (503, Retry-After) and the session keeps what it had.
 */
import { randomBytes } from "node:crypto";
import { KycnetError } from "@kycnet/sdk/errors";
import type { AttestationProof, Hex, RecordFields } from "@kycnet/sdk/protocol";
import type { ChipVerification } from "../ekyc/document/chip/index.ts";
import type { OnboardingDecision, SelfieFrame } from "./ports.ts";

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

export interface Session {
  readonly id: string;
  readonly subject: Hex;
  readonly reuse?: ReuseContext;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** A card's front, or (documentKind PASSPORT) a passport's data page. */
  front?: Uint8Array;
  back?: Uint8Array;
  /** Set when the data page of a passport was uploaded: the session then takes no card side. */
  documentKind?: "PASSPORT";
  /** The chip as verified at upload (level 2): its portrait becomes the face reference. */
  chip?: ChipVerification;
  challenge?: { id: string; nonce: string; expiresAt: number };
  frames?: readonly SelfieFrame[];
  decision?: OnboardingDecision;
  /** A decision is being computed: concurrent calls wait for it instead of starting another. */
  deciding?: Promise<OnboardingDecision>;
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

/** The images a session holds, which count against the upload budget. */
export type SessionImages = Partial<Pick<Session, "front" | "back" | "frames">>;

/** Bytes of the images a session holds now. */
function imageBytes(s: SessionImages): number {
  let bytes = (s.front?.byteLength ?? 0) + (s.back?.byteLength ?? 0);
  for (const frame of s.frames ?? []) bytes += frame.bytes.byteLength;
  return bytes;
}

const pickImages = ({ front, back, frames }: Session): SessionImages => ({
  ...(front === undefined ? {} : { front }),
  ...(back === undefined ? {} : { back }),
  ...(frames === undefined ? {} : { frames }),
});

export const DEFAULT_UPLOAD_BUDGET_BYTES = 512 * 1024 * 1024;

/** The open onboarding sessions, bounded in number and lifetime; in memory only (see the header). */
export interface SessionStore {
  /** Opens a session; throws RATE_LIMITED (TooManySessionsError) when `maxSessions` are open. */
  create(subject: Hex, reuse?: ReuseContext): Session;
  /**
   * The session, if it exists and has not expired (a decided session stays readable until expiry).
   * Throws SESSION_NOT_FOUND or SESSION_EXPIRED; never returns an expired session.
   */
  get(id: string): Session;
  /**
   * Gives `session` these images (replacing those of the same names) if the node's upload budget
   * has room for them; else throws UPLOAD_BUDGET_FULL and changes nothing.
   */
  holdImages(session: Session, images: SessionImages): void;
  /** Bytes of images that open sessions hold. */
  readonly heldBytes: number;
  /** Open (unexpired) sessions. */
  readonly size: number;
}

export interface SessionStoreOptions {
  ttlMs?: number;
  maxSessions?: number;
  clock?: () => number;
  /** Most bytes of images all open sessions hold together (default 512 MiB). */
  uploadBudgetBytes?: number;
}

export function createSessionStore(options: SessionStoreOptions = {}): SessionStore {
  const ttlMs = options.ttlMs ?? 15 * 60_000;
  const maxSessions = options.maxSessions ?? 1_000;
  const clock = options.clock ?? Date.now;
  const uploadBudgetBytes = options.uploadBudgetBytes ?? DEFAULT_UPLOAD_BUDGET_BYTES;
  const sessions = new Map<string, Session>();
  // Summed on demand over at most `maxSessions` sessions: no counter to drift when images are
  // dropped at decision (decision-runs.ts) or with an expired session.
  const heldBytes = () => {
    evict();
    let total = 0;
    for (const s of sessions.values()) total += imageBytes(s);
    return total;
  };

  const evict = () => {
    const now = clock();
    for (const [id, s] of sessions) if (s.expiresAt <= now) sessions.delete(id);
  };

  return {
    create(subject: Hex, reuse?: ReuseContext): Session {
      evict();
      if (sessions.size >= maxSessions) throw new TooManySessionsError(maxSessions);
      const now = clock();
      const session: Session = {
        id: `ses_${randomBytes(16).toString("hex")}`,
        subject,
        createdAt: now,
        expiresAt: now + ttlMs,
        ...(reuse ? { reuse } : {}),
      };
      sessions.set(session.id, session);
      return session;
    },
    get(id: string): Session {
      const session = sessions.get(id);
      if (session === undefined) throw new SessionNotFoundError(id);
      if (session.expiresAt <= clock()) {
        sessions.delete(id);
        throw new SessionExpiredError(id);
      }
      return session;
    },
    holdImages(session: Session, images: SessionImages): void {
      const growth = imageBytes({ ...pickImages(session), ...images }) - imageBytes(session);
      if (growth > 0 && heldBytes() + growth > uploadBudgetBytes) throw new UploadBudgetFullError(uploadBudgetBytes);
      Object.assign(session, images);
    },
    get heldBytes() {
      return heldBytes();
    },
    get size() {
      evict();
      return sessions.size;
    },
  };
}
