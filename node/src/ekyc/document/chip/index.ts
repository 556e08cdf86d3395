/** eKYC level 2 core: verify an ICAO 9303 chip (CCCD or passport) as read by the phone. See README.md. */
export { verifyChip, type ChipMrz, type ChipVerification, type ChipVerificationOptions } from "./verify-chip.ts";
export { verifyPassive, type PassiveAuthResult } from "./passive-auth.ts";
export { verifyActiveAuthentication, type ActiveAuthResult } from "./active-auth.ts";
export {
  ActiveAuthChallenges,
  consumeChallenge,
  DEFAULT_CHALLENGE_TTL_MS,
  issueChallenge,
  type ChallengeOptions,
  type IssuedChallenge,
} from "./challenges.ts";
export { CscaTrustStore } from "./trust-store.ts";
export { loadTrustStore } from "./trust-files.ts";
export {
  decodePortrait,
  portraitInfo,
  portraitJpegForRegistry,
  portraitPng,
  type DecodedPortrait,
  type PortraitInfo,
} from "./portrait.ts";
export { ComFile } from "./com.ts";
export { SodFile } from "./sod.ts";
export { Dg1File } from "./dg1.ts";
export { Dg2File, type FacialRecordImage } from "./dg2.ts";
export { Dg13File, type VietnameseChipData } from "./dg13.ts";
export { Dg14File, type SecurityInfo } from "./dg14.ts";
export { Dg15File } from "./dg15.ts";
export { elementaryFileForName, type ChipFiles, type DataGroupNumber, type ElementaryFileId } from "./lds.ts";
export { DEFAULT_CHIP_LIMITS, type ChipLimits } from "./limits.ts";
export { FAILURE_CODES, type Check, type Failure, type FailureCode } from "./report.ts";
export {
  ChallengeRefusedError,
  ChipFileError,
  TrustListError,
  UnsupportedAlgorithmError,
  isChipError,
} from "./errors.ts";
