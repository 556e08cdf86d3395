/**
 * Typed errors of the biometrics stage. Codes are stable (callers and the HTTP layer switch on them);
 * messages never carry image bytes or embeddings.
 */
import { KycnetError } from "@kycnet/sdk/errors";

export type FaceErrorCode =
  | "FACE_IMAGE_INVALID" // not a decodable image
  | "FACE_IMAGE_TOO_LARGE" // byte or pixel limit exceeded
  | "FACE_NOT_FOUND" // no face in the image
  | "FACE_MULTIPLE" // more than one face
  | "FACE_TOO_SMALL" // a face, but below the minimum size for a reliable template
  | "FACE_MODEL_UNAVAILABLE" // model files missing or corrupt
  | "FACE_MODEL_CLOSED" // used after close()
  | "FACE_TEMPLATE_INVALID"; // malformed template bytes or a template of another model

export class FaceError extends KycnetError {
  declare readonly code: FaceErrorCode;
  constructor(
    code: FaceErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}

export type ChallengeErrorCode =
  | "CHALLENGE_UNKNOWN" // nonce never issued here (or already evicted)
  | "CHALLENGE_REUSED" // nonce already consumed: single use
  | "CHALLENGE_EXPIRED" // answered after expiresAt
  | "CHALLENGE_FRAMES_INVALID"; // frame list malformed: empty, too many, timestamps not increasing or outside the window

export class ChallengeError extends KycnetError {
  declare readonly code: ChallengeErrorCode;
  constructor(
    code: ChallengeErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}
