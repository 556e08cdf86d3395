/**
 * The one exit-code convention of every `kycnet` command, kept here so that no command invents its
 * own: 0 the answer is positive (valid, accepted, no hit), 1 the command ran and the answer is
 * negative (a finding, a reject, a hit, a broken chain), 2 bad usage or bad input, 3 the
 * environment failed (chain, HSM, files the node needs, internal errors).
 */
import type { ExitCode as AuditExitCode } from "@kycnet/sdk/cli";
import { isKycnetError, type ErrorCode } from "@kycnet/sdk/errors";

export const ExitCode = { POSITIVE: 0, NEGATIVE: 1, USAGE: 2, ENVIRONMENT: 3 } as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * `kycnet audit`'s logic lives in the SDK (which never imports the node) under its own names for the
 * same four codes; this mapping does not compile if the two conventions ever drift apart.
 */
export const AUDIT_EXIT_CODES: typeof AuditExitCode = {
  PASSED: ExitCode.POSITIVE,
  FINDINGS: ExitCode.NEGATIVE,
  BAD_INPUT: ExitCode.USAGE,
  CHAIN: ExitCode.ENVIRONMENT,
};

/** Records a command's answer; the process exits with it once the command has cleaned up. */
export function answer(positive: boolean): void {
  process.exitCode = positive ? ExitCode.POSITIVE : ExitCode.NEGATIVE;
}

// What the caller gave us (an argument, a file named on the command line) rather than what the machine lacks.
const USAGE_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "INVALID_ARGUMENT",
  "CONFIG_INVALID",
  "CONFIG_NOT_FOUND",
]);

/** The exit code for an error that escaped a command: bad input is usage, anything else environment. */
export function exitCodeOf(error: unknown): ExitCodeValue {
  return isKycnetError(error) && USAGE_ERRORS.has(error.code) ? ExitCode.USAGE : ExitCode.ENVIRONMENT;
}
