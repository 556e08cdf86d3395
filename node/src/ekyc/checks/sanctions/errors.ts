/** Typed failures of sanctions list loading and screening. */
import { KycnetError } from "@kycnet/sdk/errors";
import type { SanctionsSource } from "./port.ts";

/** A list file that does not parse or lacks what its format requires. */
export class SanctionsListMalformedError extends KycnetError {
  constructor(
    format: SanctionsSource | "OFAC_SDN_CSV",
    reason: string,
    options: { cause?: unknown; line?: number } = {},
  ) {
    super("SANCTIONS_LIST_MALFORMED", `${format} list rejected: ${reason}`, {
      details: { format, reason, ...(options.line === undefined ? {} : { line: options.line }) },
      cause: options.cause,
    });
  }
}

/** Bytes that are not UTF-8 (the published lists are UTF-8; anything else is refused, not guessed). */
export class SanctionsListEncodingError extends KycnetError {
  constructor(reason: string, options: { cause?: unknown } = {}) {
    super("SANCTIONS_LIST_ENCODING", `sanctions list is not UTF-8: ${reason}`, { details: { reason }, ...options });
  }
}

/** A list with no entries: refusing it keeps a broken download from silently disabling screening. */
export class SanctionsListEmptyError extends KycnetError {
  constructor(version: string) {
    super("SANCTIONS_LIST_EMPTY", `sanctions snapshot ${JSON.stringify(version)} has no entries`, {
      details: { version },
    });
  }
}

/** A file or list beyond the configured bounds. */
export class SanctionsListTooLargeError extends KycnetError {
  constructor(what: string, limit: number) {
    super("SANCTIONS_LIST_TOO_LARGE", `sanctions list ${what} exceeds ${limit}`, { details: { what, limit } });
  }
}
