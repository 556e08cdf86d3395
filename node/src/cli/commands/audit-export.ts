/**
 * `kycnet audit export --node <url> --from <time> --to <time> [--signer <address>] [--out <file>]`:
 * fetches a bank node's signed audit export for [from, to) (API key with the auditor role, from
 * $KYCNET_API_KEY only) and checks it with the SDK (`verifyAuditExport`): the signature, the hash
 * chain of the entries, each anchor against them, and, when the chain is given (--rpc and
 * --addresses, or KYCNET_RPC_URL and KYCNET_ADDRESSES), each anchor on chain.
 * `kycnet audit export --file <export.json>` checks a saved export (what `--out` writes) instead.
 * Exit codes: 0 valid, 1 not valid, 2 bad input, 3 node or chain unreachable.
 */
import { readFile, writeFile } from "node:fs/promises";
import type { Provider } from "ethers";
import { verifyAuditExport, type AuditExportCheck } from "@kycnet/sdk/auditor";
import type { SignedDocument } from "@kycnet/sdk/bank";
import { connectAuditChain } from "@kycnet/sdk/cli";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { colour, printJson, renderFacts, renderTable } from "../output.ts";
import { auditorClient, periodBound, reportFailure } from "./auditor-api.ts";

export interface ExportOptions {
  readonly node?: string;
  readonly from?: string;
  readonly to?: string;
  readonly file?: string;
  readonly out?: string;
  readonly signer?: string;
  readonly rpc?: string;
  readonly addresses?: string;
  readonly json?: boolean;
}

const MAX_FILE = 256 * 1024 * 1024;

const required = (value: string | undefined, name: string): Date => {
  if (value === undefined) throw new InvalidArgumentError(name, "is required (or give --file)");
  return periodBound(value, name);
};

async function fetchExport(options: ExportOptions): Promise<SignedDocument> {
  const client = auditorClient(options.node);
  return client.getAuditExport({ from: required(options.from, "from"), to: required(options.to, "to") });
}

async function readExport(file: string): Promise<SignedDocument> {
  let value: unknown;
  try {
    const text = await readFile(file, "utf8");
    if (text.length > MAX_FILE) throw new Error("too large");
    value = JSON.parse(text);
  } catch (cause) {
    throw new InvalidArgumentError("file", `cannot read a signed export from ${file}`, { cause });
  }
  const v = value as Partial<SignedDocument> | null;
  if (typeof v?.document !== "string" || typeof v.signature !== "string" || typeof v.sha256 !== "string")
    throw new InvalidArgumentError("file", "not a signed document (document, sha256, signer, signature)");
  return v as SignedDocument;
}

function render(signed: SignedDocument, check: AuditExportCheck): string {
  const d = check.document;
  const facts = renderFacts({
    export: colour.green("VALID"),
    bank: d.bank,
    signer: check.signer,
    period: `${d.from} .. ${d.to}`,
    "entries in period": d.range.count,
    "entries exported (with links)": d.entries.length,
    anchors: d.anchors.length,
    "anchors checked on chain": check.anchorsOnChain ? "yes" : "no (give --rpc and --addresses)",
    "proven through entry": check.provenThrough,
    "entries not yet proven by an anchor": check.unprovenEntries,
    sha256: signed.sha256,
  });
  const anchors = d.anchors.length === 0 ? "" : `\n${renderTable(d.anchors.map((a) => ({ ...a })))}`;
  return `${facts}${anchors}\n`;
}

export async function runAuditExport(options: ExportOptions): Promise<void> {
  let provider: Provider | undefined;
  try {
    const signed = options.file === undefined ? await fetchExport(options) : await readExport(options.file);
    if (options.out !== undefined)
      await writeFile(options.out, `${JSON.stringify(signed, null, 2)}\n`, { mode: 0o600 });
    const chainGiven = (options.rpc ?? process.env.KYCNET_RPC_URL) !== undefined;
    const chain = chainGiven ? await connectAuditChain({ rpc: options.rpc, addresses: options.addresses }) : undefined;
    provider = chain?.provider;
    const check = await verifyAuditExport(signed, {
      ...(options.signer === undefined ? {} : { expectedSigner: options.signer }),
      ...(chain === undefined ? {} : { provider: chain.provider, registry: chain.addresses.attestations }),
    });
    if (options.json === true)
      printJson({
        ...signed,
        verification: {
          valid: true,
          signer: check.signer,
          provenThrough: check.provenThrough,
          unprovenEntries: check.unprovenEntries,
          anchorsOnChain: check.anchorsOnChain,
        },
      });
    else process.stdout.write(render(signed, check));
    process.exitCode = 0;
  } catch (error) {
    reportFailure(error, options.json === true, "AUDIT_EXPORT_INVALID");
  } finally {
    provider?.destroy();
  }
}
