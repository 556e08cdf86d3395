/**
 * `kycnet dsr list --node <url> [--status OPEN|COMPLETED|REFUSED] [--json]`: the Decree 13
 * data-subject requests a bank node holds, with their deadlines, overdue ones marked, for the
 * operator (API key from $KYCNET_API_KEY only). Exit codes: 0 none overdue, 1 some open request is
 * past its deadline, 2 bad input or a refused key, 3 node unreachable.
 */
import type { Command } from "commander";
import { BankApiError, createBankClient, DSR_STATUSES, type DsrStatus } from "@kycnet/sdk/bank";
import { InvalidArgumentError, isKycnetError } from "@kycnet/sdk/errors";
import { colour, printJson, renderTable } from "../output.ts";

async function listRequests(options: { node?: string; status?: string; json?: boolean }): Promise<void> {
  try {
    const node = options.node ?? process.env.KYCNET_NODE_URL;
    if (node === undefined || !/^https?:\/\//.test(node))
      throw new InvalidArgumentError("node", "give --node <http(s) url> or set KYCNET_NODE_URL");
    const apiKey = process.env.KYCNET_API_KEY;
    if (apiKey === undefined || apiKey === "") throw new InvalidArgumentError("KYCNET_API_KEY", "set it to an API key");
    if (options.status !== undefined && !(DSR_STATUSES as readonly string[]).includes(options.status))
      throw new InvalidArgumentError("status", `must be one of ${DSR_STATUSES.join(", ")}`);
    const { requests } = await createBankClient({ baseUrl: node, apiKey }).listDataSubjectRequests(
      options.status === undefined ? {} : { status: options.status as DsrStatus },
    );
    const now = Date.now();
    const overdue = requests.filter((r) => r.status === "OPEN" && Date.parse(r.deadline) < now);
    if (options.json === true) printJson({ requests, overdue: overdue.map((r) => r.requestId) });
    else {
      const rows = requests.map((r) => ({
        request: r.requestId,
        kind: r.kind,
        status: r.status,
        received: r.receivedAt,
        deadline: overdue.includes(r) ? colour.red(`${r.deadline} OVERDUE`) : r.deadline,
        reason: r.refusal?.code ?? null,
      }));
      process.stdout.write(rows.length === 0 ? "no data-subject requests\n" : `${renderTable(rows)}\n`);
    }
    process.exitCode = overdue.length === 0 ? 0 : 1;
  } catch (error) {
    const code = isKycnetError(error) ? error.code : "DSR_LIST_FAILED";
    const message = error instanceof Error ? error.message : String(error);
    if (options.json === true) printJson({ error: { code, message } });
    process.stderr.write(`kycnet: ${code}: ${message}\n`);
    const unreachable = error instanceof BankApiError && (error.status === 0 || error.status >= 500);
    process.exitCode = code === "INVALID_ARGUMENT" || (error instanceof BankApiError && !unreachable) ? 2 : 3;
  }
}

export function register(program: Command): void {
  const dsr = program
    .command("dsr")
    .description("Decree 13 data-subject requests on a bank node (API key: $KYCNET_API_KEY)");
  dsr
    .command("list")
    .description("requests with their status and deadline; exit 1 when an open one is overdue")
    .option("--node <url>", "the bank node's API (default: $KYCNET_NODE_URL)")
    .option("--status <status>", `only ${DSR_STATUSES.join(", ")}`)
    .option("--json", "machine-readable output")
    .action(async (opts: { node?: string; status?: string; json?: boolean }) => listRequests(opts));
}
