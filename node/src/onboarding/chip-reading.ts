/**
 * The chip step of a full-eKYC session (eKYC level 2): a single-use active-authentication challenge
 * for the session, then the elementary files as the phone read them with the chip's answer. The
 * challenge is kept in the session, in the store shared by every instance, so any instance takes the
 * answer. The answer's challenge is consumed before anything else by a compare-and-set on the stored
 * session (`SessionStore.modify`): the same answer sent to two instances at once is taken by one,
 * the other gets AA_CHALLENGE_REPLAYED (409). Then the files are verified at once (passive and
 * active authentication, a few ms) and the verification is kept with the session until the decision;
 * nothing about the chip is written anywhere else before then.
 */
import { KycnetError } from "@kycnet/sdk/errors";
import type { ChipChallenge, ChipFileId, ChipUploadResult } from "@kycnet/sdk/bank";
import {
  consumeChallenge,
  DEFAULT_CHALLENGE_TTL_MS,
  issueChallenge,
  verifyChip,
  type ChipFiles,
  type ChipVerification,
  type CscaTrustStore,
} from "../ekyc/document/chip/index.ts";

import { SessionStateError, type Session, type SessionStore } from "./sessions.ts";

/** What the node needs to verify chips: its CSCA trust list (loaded once at start). */
export interface ChipDeps {
  readonly trust: CscaTrustStore;
  /** How long a challenge may be answered (default 2 minutes: one NFC read). */
  readonly challengeTtlMs?: number;
}

/** The files as uploaded (decoded) and the chip's answer to the session's challenge. */
export interface ChipUpload {
  readonly files: Readonly<Partial<Record<ChipFileId, Uint8Array>>>;
  readonly activeAuthentication?: { readonly challenge: Uint8Array; readonly response: Uint8Array };
}

export class ChipNotConfiguredError extends KycnetError {
  constructor() {
    super("CHIP_NOT_CONFIGURED", "this node has no CSCA trust list (chip.trustList): it onboards at level 1 only");
  }
}

/** The chip deps, or CHIP_NOT_CONFIGURED: a node without a trust list never pretends to check a chip. */
export function requireChip(chip: ChipDeps | undefined): ChipDeps {
  if (chip === undefined) throw new ChipNotConfiguredError();
  return chip;
}

/** A session that still takes chip data: undecided, full eKYC (SESSION_STATE_CONFLICT otherwise). */
function chipStep(session: Session): Session {
  if (session.decision !== undefined || session.decidingSince !== undefined)
    throw new SessionStateError(session.id, "the session is already decided");
  if (session.reuse !== undefined)
    throw new SessionStateError(session.id, "a re-onboarding session takes no card or chip data");
  return session;
}

/** A fresh challenge stored in the session (any earlier one stops being valid). */
export async function issueChipChallenge(
  chip: ChipDeps,
  sessions: SessionStore,
  sessionId: string,
  now: Date,
): Promise<ChipChallenge> {
  const issued = issueChallenge(now.getTime(), chip.challengeTtlMs ?? DEFAULT_CHALLENGE_TTL_MS);
  await sessions.modify(sessionId, async (current) => ({
    next: { ...chipStep(current), chipChallenge: issued },
    result: undefined,
  }));
  return {
    challenge: Buffer.from(issued.challenge).toString("hex"),
    expiresAt: new Date(issued.expiresAt).toISOString(),
  };
}

/**
 * Verifies the upload and keeps the verification in the session. The challenge is consumed first,
 * by a compare-and-set on the stored session. Throws AA_CHALLENGE_UNKNOWN / EXPIRED / REPLAYED
 * (ChallengeRefusedError) for an answer to no live challenge of this session; a chip that fails its
 * checks is not an error here: the verification says so and the decision refuses it (CHIP_INVALID).
 */
export async function verifyChipUpload(
  chip: ChipDeps,
  sessions: SessionStore,
  sessionId: string,
  upload: ChipUpload,
  now: Date,
): Promise<ChipVerification> {
  const answer = upload.activeAuthentication;
  const activeAuthentication =
    answer === undefined
      ? undefined
      : {
          challenge: await sessions.modify(sessionId, async (current) => {
            const { challenge, consumed } = consumeChallenge(
              chipStep(current).chipChallenge,
              sessionId,
              answer.challenge,
              now.getTime(),
            );
            return { next: { ...current, chipChallenge: consumed }, result: challenge };
          }),
          response: answer.response,
        };
  const files: ChipFiles = { ...upload.files };
  const verification = await verifyChip(files, {
    trust: chip.trust,
    now,
    // A chip with DG15 can prove it is not a copy; the onboarding flow requires it to.
    requireActiveAuthentication: true,
    ...(activeAuthentication === undefined ? {} : { activeAuthentication }),
  });
  await sessions.modify(sessionId, async (current) => {
    // The chip vouches for fields now: what a correction does changes, so the customer confirms again.
    const { fieldConfirmation: _again, ...rest } = chipStep(current);
    return { next: { ...rest, chip: verification }, result: undefined };
  });
  return verification;
}

/** What the API shows of a verification: checks only, no personal data. */
export function chipUploadResult(v: ChipVerification): ChipUploadResult {
  return {
    status: v.status,
    failures: v.failures.map((f) => ({ code: f.code, dataGroup: f.dataGroup })),
    activeAuthentication: activeAuthenticationOf(v),
    dataGroupsVerified: [...v.dataGroupsVerified],
  };
}

export function activeAuthenticationOf(v: ChipVerification): ChipUploadResult["activeAuthentication"] {
  if (v.activeAuthentication.performed) return v.activeAuthentication.valid ? "PASSED" : "FAILED";
  return v.dataGroupsPresent.includes(15) ? "NOT_PERFORMED" : "NOT_SUPPORTED";
}
