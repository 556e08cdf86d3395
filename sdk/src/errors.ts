/**
 * The one error base of kycnet. Every error the SDK or the node throws on purpose is a
 * `KycnetError` with a stable, SCREAMING_SNAKE `code` that callers and the HTTP layer switch on
 * (ethers' `isError(e, code)` habit), a message for humans that never carries secrets or personal
 * data, optional machine-readable `details`, and the original `cause`.
 *
 * Codes are a closed set checked by the compiler. `KycnetErrorCodes` lists them by name: the SDK
 * lists its own here (`SdkErrorCode`); the node adds its own to the same interface by declaration
 * merging (node/src/errors.ts), because the SDK must not import the node. `ErrorCode` is then every
 * code of the program being compiled, and the node's HTTP catalogue is a record over it, so a code
 * that is thrown but not mapped to a status fails `tsc` (test/node/api/error-codes.test.ts).
 */

/** Every code the SDK itself throws, by the module that throws it. */
export type SdkErrorCode =
  // any module: bad input to an SDK function
  | "INVALID_ARGUMENT"
  // protocol/random.ts: no secure random source on this platform (React Native without a polyfill)
  | "RANDOM_SOURCE_UNAVAILABLE"
  // protocol/: a disclosed field that does not match its salted commitment
  | "COMMITMENT_MISMATCH"
  // chain/, auditor/: read-only chain access
  | "ATTESTATION_NOT_FOUND"
  | "CONSENT_NOT_FOUND"
  | "CHAIN_UNREACHABLE"
  | "CONTRACTS_NOT_FOUND"
  | "WRONG_CHAIN"
  // customer/: the wallet file and the subject key's own transactions
  | "WALLET_WRONG_PASSPHRASE"
  | "WALLET_MALFORMED"
  | "WALLET_ENTRY_NOT_FOUND"
  | "WALLET_ENTRY_EXISTS"
  | "NOT_CONSENT_SUBJECT"
  | "SUBJECT_TRANSACTION_FAILED"
  // auditor/audit-export.ts: a signed audit export fails its checks (signature, hash chain, anchors)
  | "AUDIT_EXPORT_INVALID"
  // cli/: the auditor's command could not use the chain's answer
  | "AUDIT_FAILED";

/**
 * The registry of codes, one key per code (the value means nothing). A package adds its codes with
 * `declare module "@kycnet/sdk/errors" { interface KycnetErrorCodes extends Record<MyCode, true> {} }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an interface so that hosts can merge codes in
export interface KycnetErrorCodes extends Record<SdkErrorCode, true> {}

/** Every error code of the program: the SDK's and those its host (the node) registered. */
export type ErrorCode = keyof KycnetErrorCodes;

export interface KycnetErrorOptions {
  readonly details?: Record<string, unknown>;
  readonly cause?: unknown;
}

/**
 * `Code` defaults to `ErrorCode` and is never inferred from the argument (`NoInfer`), so both
 * `new KycnetError("TYPO", …)` and a subclass calling `super("TYPO", …)` fail to compile. A subclass
 * narrows its codes with `declare readonly code: FaceErrorCode`, which stays checked. A type
 * argument is the explicit, unchecked way out, for codes that come from outside this program
 * (BankApiError: whatever a node answered; the production scripts' own CLI codes).
 */
export class KycnetError<Code extends string = ErrorCode> extends Error {
  readonly code: Code;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: NoInfer<Code>, message: string, options: KycnetErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }
}

/**
 * True when `error` is a KycnetError, optionally with the given code. The narrowed type says
 * `ErrorCode`; only a class that opted out (BankApiError) can carry another code at run time.
 */
export function isKycnetError<C extends ErrorCode>(error: unknown, code: C): error is KycnetError<C>;
export function isKycnetError(error: unknown): error is KycnetError;
export function isKycnetError(error: unknown, code?: string): boolean {
  return error instanceof KycnetError && (code === undefined || error.code === code);
}

/** Bad input to an SDK function: names the offending field, never echoes a secret. */
export class InvalidArgumentError extends KycnetError {
  constructor(field: string, reason: string, options: { cause?: unknown } = {}) {
    super("INVALID_ARGUMENT", `${field}: ${reason}`, { details: { field, reason }, ...options });
  }
}
