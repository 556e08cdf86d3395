/**
 * The one error base of kycnet. Every error the SDK or the node throws on purpose is a
 * `KycnetError` with a stable, SCREAMING_SNAKE `code` that callers and the HTTP layer switch on
 * (ethers' `isError(e, code)` habit), a message for humans that never carries secrets or personal
 * data, optional machine-readable `details`, and the original `cause`.
 */
export class KycnetError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }
}

/** True when `error` is a KycnetError, optionally with the given code. */
export function isKycnetError(error: unknown, code?: string): error is KycnetError {
  return error instanceof KycnetError && (code === undefined || error.code === code);
}

/** Bad input to an SDK function: names the offending field, never echoes a secret. */
export class InvalidArgumentError extends KycnetError {
  constructor(field: string, reason: string, options: { cause?: unknown } = {}) {
    super("INVALID_ARGUMENT", `${field}: ${reason}`, { details: { field, reason }, ...options });
  }
}
