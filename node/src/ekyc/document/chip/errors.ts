/** Typed errors of chip (ICAO 9303) verification; each carries a stable code and a human reason. */
import { KycnetError } from "@kycnet/sdk/errors";

/** An elementary file is not what it claims: bad DER, wrong tag, truncated, too deep or too large. */
export class ChipFileError extends KycnetError {
  constructor(file: string, reason: string, options: { cause?: unknown } = {}) {
    super("CHIP_FILE_MALFORMED", `${file}: ${reason}`, { details: { file, reason }, ...options });
  }
}

/** An algorithm identifier this verifier does not implement (never silently accepted). */
export class UnsupportedAlgorithmError extends KycnetError {
  constructor(what: string, oid: string) {
    super("CHIP_ALGORITHM_UNSUPPORTED", `${what}: unsupported algorithm ${oid}`, { details: { what, oid } });
  }
}

/** The CSCA trust list (PEM certificates, CRLs or an ICAO master list) cannot be used. */
export class TrustListError extends KycnetError {
  constructor(source: string, reason: string, options: { cause?: unknown } = {}) {
    super("CHIP_TRUST_LIST_INVALID", `${source}: ${reason}`, { details: { source, reason }, ...options });
  }
}

export type ChallengeRefusal = "AA_CHALLENGE_UNKNOWN" | "AA_CHALLENGE_EXPIRED" | "AA_CHALLENGE_REPLAYED";

/** An active-authentication answer that does not belong to a live, unused challenge of the session. */
export class ChallengeRefusedError extends KycnetError {
  constructor(code: ChallengeRefusal, sessionId: string) {
    const why = {
      AA_CHALLENGE_UNKNOWN: "no challenge was issued",
      AA_CHALLENGE_EXPIRED: "the challenge expired",
      AA_CHALLENGE_REPLAYED: "the challenge was already answered",
    }[code];
    super(code, `active authentication for session ${sessionId}: ${why}`, { details: { sessionId } });
  }
}

/** True for the errors this module throws on bad input (as opposed to bugs). */
export function isChipError(error: unknown): error is ChipFileError | UnsupportedAlgorithmError | TrustListError {
  return (
    error instanceof ChipFileError || error instanceof UnsupportedAlgorithmError || error instanceof TrustListError
  );
}
