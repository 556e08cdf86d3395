/**
 * Chain failures as typed errors. A contract revert keeps its custom error's name and arguments
 * (`NotActiveMember(account)`, ...), decoded from the ABI, so callers and the HTTP layer can tell
 * "the consent expired" from "the RPC endpoint is down".
 */
import { isError } from "ethers";
import { KycnetError } from "../../../sdk/src/errors.ts";

/** The contract reverted with a known custom error. */
export class ContractRevertError extends KycnetError {
  readonly revert: string;
  readonly args: readonly unknown[];
  constructor(revert: string, args: readonly unknown[], cause: unknown) {
    super("CONTRACT_REVERT", `contract reverted with ${revert}`, { details: { revert, args: args.map(String) }, cause });
    this.revert = revert;
    this.args = args;
  }
}

/** The chain could not be reached or did not answer as expected. */
export class LedgerUnavailableError extends KycnetError {
  constructor(operation: string, cause: unknown) {
    super("LEDGER_UNAVAILABLE", `chain unavailable during ${operation}`, { details: { operation }, cause });
  }
}

/** Rewraps an ethers error from `operation` as a typed kycnet error. */
export function toLedgerError(operation: string, error: unknown): KycnetError {
  if (error instanceof KycnetError) return error;
  if (isError(error, "CALL_EXCEPTION") && error.revert) {
    return new ContractRevertError(error.revert.name, [...error.revert.args], error);
  }
  return new LedgerUnavailableError(operation, error);
}

/** True when `error` is a revert with the given custom error name. */
export function isRevert(error: unknown, name: string): error is ContractRevertError {
  return error instanceof ContractRevertError && error.revert === name;
}
