/**
 * What `kycnet audit report` and `kycnet audit export` share when they ask a bank node's API as an
 * auditor: the node's address, the API key (from $KYCNET_API_KEY only: a key on the command line
 * would show in the process list), the period's bounds, and how a failure maps to the CLI's one
 * exit-code convention (../exit-codes.ts).
 */
import { BankApiError, createBankClient, type BankClient } from "@kycnet/sdk/bank";
import { parseTime } from "@kycnet/sdk/cli";
import { InvalidArgumentError, isKycnetError, type ErrorCode } from "@kycnet/sdk/errors";
import { ExitCode } from "../exit-codes.ts";
import { printJson } from "../output.ts";

/** A client for the node at `node` (or $KYCNET_NODE_URL) with the auditor's key from $KYCNET_API_KEY. */
export function auditorClient(node: string | undefined): BankClient {
  const baseUrl = node ?? process.env.KYCNET_NODE_URL;
  if (baseUrl === undefined || !/^https?:\/\//.test(baseUrl))
    throw new InvalidArgumentError("node", "give --node <http(s) url> or set KYCNET_NODE_URL");
  const apiKey = process.env.KYCNET_API_KEY;
  if (apiKey === undefined || apiKey === "")
    throw new InvalidArgumentError("KYCNET_API_KEY", "set it to an auditor API key");
  return createBankClient({ baseUrl, apiKey });
}

/** One bound of the period (`--from`, `--to`): unix seconds or an ISO 8601 date. */
export function periodBound(value: string, name: string): Date {
  try {
    return new Date(Number(parseTime(value)) * 1000);
  } catch {
    throw new InvalidArgumentError(
      name,
      "must be unix seconds or an ISO 8601 date (2027-01-01 or 2027-01-01T00:00:00Z)",
    );
  }
}

/**
 * Reports a failed command on stderr (and as `{ error }` with --json) and sets its exit code: 1 when
 * the error is `negative` (the command ran and the answer is no), 2 for bad input or a request the
 * node refused, 3 when the node or the chain could not be reached.
 */
export function reportFailure(error: unknown, json: boolean, negative?: ErrorCode): void {
  const code = isKycnetError(error) ? error.code : "AUDIT_FAILED";
  const message = error instanceof Error ? error.message : String(error);
  if (json) printJson({ error: { code, message } });
  process.stderr.write(`kycnet: ${code}: ${message}\n`);
  const refusedByNode = error instanceof BankApiError && error.status !== 0 && error.status < 500;
  process.exitCode =
    negative !== undefined && code === negative
      ? ExitCode.NEGATIVE
      : code === "INVALID_ARGUMENT" || refusedByNode
        ? ExitCode.USAGE
        : ExitCode.ENVIRONMENT;
}
