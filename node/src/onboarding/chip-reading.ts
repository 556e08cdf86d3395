/**
 * The chip step of a full-eKYC session (eKYC level 2): a single-use active-authentication challenge
 * for the session, then the elementary files as the phone read them with the chip's answer. The
 * answer's challenge is consumed before anything else (a replayed answer is refused, 409), then the
 * files are verified at once (passive and active authentication, a few ms) and the verification is
 * kept with the session until the decision; nothing about the chip is written anywhere before then.
 */
import { KycnetError } from "@kycnet/sdk/errors";
import type { ChipChallenge, ChipFileId, ChipUploadResult } from "@kycnet/sdk/bank";
import {
  type ActiveAuthChallenges,
  verifyChip,
  type ChipFiles,
  type ChipVerification,
  type CscaTrustStore,
} from "../ekyc/document/chip/index.ts";

/** What the node needs to verify chips: its CSCA trust list (loaded once at start) and the challenges it issued. */
export interface ChipDeps {
  readonly trust: CscaTrustStore;
  readonly challenges: ActiveAuthChallenges;
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

export function issueChipChallenge(chip: ChipDeps, sessionId: string): ChipChallenge {
  const { challenge, expiresAt } = chip.challenges.issue(sessionId);
  return { challenge: Buffer.from(challenge).toString("hex"), expiresAt: expiresAt.toISOString() };
}

/**
 * Verifies the upload. Throws AA_CHALLENGE_UNKNOWN / EXPIRED / REPLAYED (ChallengeRefusedError) for an
 * answer to no live challenge of this session; a chip that fails its checks is not an error here: the
 * verification says so and the decision refuses it (CHIP_INVALID).
 */
export async function verifyChipUpload(
  chip: ChipDeps,
  sessionId: string,
  upload: ChipUpload,
  now: Date,
): Promise<ChipVerification> {
  const answer = upload.activeAuthentication;
  const activeAuthentication =
    answer === undefined
      ? undefined
      : { challenge: chip.challenges.consume(sessionId, answer.challenge), response: answer.response };
  const files: ChipFiles = { ...upload.files };
  return verifyChip(files, {
    trust: chip.trust,
    now,
    // A chip with DG15 can prove it is not a copy; the onboarding flow requires it to.
    requireActiveAuthentication: true,
    ...(activeAuthentication === undefined ? {} : { activeAuthentication }),
  });
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
