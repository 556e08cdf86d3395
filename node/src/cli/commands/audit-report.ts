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
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { colour, printJson } from "../output.ts";
import { auditorClient, periodBound, reportFailure } from "./auditor-api.ts";

export interface ReportOptions {
  readonly node?: string;
  readonly from: string;
  readonly to: string;
  readonly format?: string;
  readonly signer?: string;
  readonly json?: boolean;
}

export async function runAuditReport(options: ReportOptions): Promise<void> {
  try {
    const client = auditorClient(options.node);
    const format = options.format ?? "json";
    if (format !== "json" && format !== "csv") throw new InvalidArgumentError("format", "must be json or csv");
    const from = periodBound(options.from, "from");
    const to = periodBound(options.to, "to");
    const signed = await client.getAuditReport({ from, to, format });
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
    reportFailure(error, options.json === true);
  }
}
