/**
 * `kycnet audit report --node <url> --from <time> --to <time> [--format json|csv] [--signer <address>]`:
 * fetches the auditor's report for [from, to) from a bank node (API key with the auditor role, from
 * $KYCNET_API_KEY only: a key on the command line would show in the process list), checks the
 * node's signature with the SDK (`verifySignedDocument`), and prints the document on stdout (the
 * check on stderr), or with --json the signed envelope and the check. `--signer` is the bank's
 * member account as the consortium lists it; without it the signature is checked against the
 * account the node states. Exit codes: 0 signature valid, 1 not valid, 2 bad input, 3 node unreachable.
 */
import { verifySignedDocument } from "@kycnet/sdk/auditor";
import { BankApiError, createBankClient } from "@kycnet/sdk/bank";
import { InvalidArgumentError, isKycnetError } from "@kycnet/sdk/errors";
import { parseTime } from "@kycnet/sdk/cli";
import { colour, printJson } from "../output.ts";

export interface ReportOptions {
  readonly node?: string;
  readonly from: string;
  readonly to: string;
  readonly format?: string;
  readonly signer?: string;
  readonly json?: boolean;
}

const at = (value: string, name: string): Date => {
  try {
    return new Date(Number(parseTime(value)) * 1000);
  } catch {
    throw new InvalidArgumentError(
      name,
      "must be unix seconds or an ISO 8601 date (2027-01-01 or 2027-01-01T00:00:00Z)",
    );
  }
};

export async function runAuditReport(options: ReportOptions): Promise<void> {
  try {
    const node = options.node ?? process.env.KYCNET_NODE_URL;
    if (node === undefined || !/^https?:\/\//.test(node))
      throw new InvalidArgumentError("node", "give --node <http(s) url> or set KYCNET_NODE_URL");
    const apiKey = process.env.KYCNET_API_KEY;
    if (apiKey === undefined || apiKey === "")
      throw new InvalidArgumentError("KYCNET_API_KEY", "set it to an auditor API key");
    const format = options.format ?? "json";
    if (format !== "json" && format !== "csv") throw new InvalidArgumentError("format", "must be json or csv");
    const from = at(options.from, "from");
    const to = at(options.to, "to");
    const signed = await createBankClient({ baseUrl: node, apiKey }).getAuditReport({ from, to, format });
    const check = verifySignedDocument(signed, options.signer);
    if (options.json === true) printJson({ ...signed, verification: check });
    else {
      process.stdout.write(signed.document);
      process.stderr.write(
        check.valid
          ? `${colour.green("SIGNED")} by ${signed.signer} (sha256 ${signed.sha256})\n`
          : `${colour.red("NOT VALID")} ${check.findings.join("; ")}\n`,
      );
    }
    process.exitCode = check.valid ? 0 : 1;
  } catch (error) {
    const code = isKycnetError(error) ? error.code : "AUDIT_FAILED";
    const message = error instanceof Error ? error.message : String(error);
    if (options.json === true) printJson({ error: { code, message } });
    process.stderr.write(`kycnet: ${code}: ${message}\n`);
    const unreachable = error instanceof BankApiError && (error.status === 0 || error.status >= 500);
    process.exitCode = code === "INVALID_ARGUMENT" || (error instanceof BankApiError && !unreachable) ? 2 : 3;
  }
}
