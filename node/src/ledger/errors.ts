/**
 * Chain failures as typed errors. A contract revert keeps its custom error's name and arguments
 * (`NotActiveMember(account)`, ...), decoded from the ABI, so callers and the HTTP layer can tell
 * "the consent expired" from "the RPC endpoint is down".
 */
import { Interface, isError } from "ethers";
import { InvalidArgumentError, isKycnetError, KycnetError } from "@kycnet/sdk/errors";
import { AttestationRegistryAbi, ConsentRegistryAbi, ConsortiumRegistryAbi } from "@kycnet/sdk/chain";

// Every custom error of every kycnet contract: a call into one contract can revert with another's
// error (ConsentRegistry checking an attestation), which ethers cannot decode from one ABI alone.
const allErrors = new Interface(
  [...ConsortiumRegistryAbi, ...AttestationRegistryAbi, ...ConsentRegistryAbi]
    .filter((f) => f.type === "error")
    .filter((f, i, all) => all.findIndex((g) => JSON.stringify(g) === JSON.stringify(f)) === i),
);

/** The contract reverted with a known custom error. */
export class ContractRevertError extends KycnetError {
  readonly revert: string;
  readonly args: readonly unknown[];
  constructor(revert: string, args: readonly unknown[], cause: unknown) {
    super("CONTRACT_REVERT", `contract reverted with ${revert}`, {
      details: { revert, args: args.map(String) },
      cause,
    });
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

/** Rewraps an error from `operation` (ethers, or a provider's own) as a typed kycnet error. */
export function toLedgerError(operation: string, error: unknown): KycnetError {
  if (isKycnetError(error)) return error;
  if (isError(error, "CALL_EXCEPTION") && error.revert) {
    return new ContractRevertError(error.revert.name, [...(error.revert.args as readonly unknown[])], error);
  }
  const decoded = decodeRevertData(error);
  if (decoded) return new ContractRevertError(decoded.name, [...decoded.args], error);
  // A value ethers cannot encode for the ABI is bad input from the caller, not an outage: it must
  // not be retried or reported as "chain unavailable".
  if (isError(error, "INVALID_ARGUMENT") || isError(error, "NUMERIC_FAULT")) {
    const field = isError(error, "INVALID_ARGUMENT") ? String(error.argument) : String(error.fault);
    return new InvalidArgumentError(field, `not a valid value for ${operation}`, { cause: error });
  }
  return new LedgerUnavailableError(operation, error);
}

/**
 * Finds revert data in an error as ethers (`data`), JSON-RPC (`info.error.data`) or an in-process
 * provider (`data` on its own error class, or on a `cause`) reports it, and decodes it with the
 * kycnet contracts' errors.
 */
function decodeRevertData(error: unknown, depth = 0): ReturnType<Interface["parseError"]> {
  if (error === null || typeof error !== "object" || depth > 4) return null;
  const e = error as { data?: unknown; info?: { error?: { data?: unknown } }; error?: unknown; cause?: unknown };
  for (const data of [e.data, e.info?.error?.data]) {
    if (typeof data === "string" && /^0x[0-9a-fA-F]{8}/.test(data)) {
      try {
        const parsed = allErrors.parseError(data);
        if (parsed) return parsed;
      } catch {
        // not one of ours (e.g. a Panic): keep looking, then report unavailable
      }
    }
  }
  return decodeRevertData(e.error, depth + 1) ?? decodeRevertData(e.cause, depth + 1);
}

/** A write on a ledger client that has a provider but no signer (auditors, read-only nodes). */
export class ReadOnlyLedgerError extends KycnetError {
  constructor(operation: string) {
    super("LEDGER_READ_ONLY", `${operation} needs a signer; this ledger client is read-only`, {
      details: { operation },
    });
  }
}

/** True when `error` is a revert with the given custom error name. */
export function isRevert(error: unknown, name: string): error is ContractRevertError {
  return error instanceof ContractRevertError && error.revert === name;
}
