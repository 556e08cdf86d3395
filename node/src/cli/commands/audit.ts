/**
 * `kycnet audit`: read-only checks for auditors and regulators (logic in sdk/src/cli/audit.ts).
 *   audit attestation <uid> [--at <unix|ISO>]
 *   audit consent <consentId>
 *   audit disclosures --attestation <uid>
 *   audit field <uid> --name <field> --value <v> --salt <s> --proof <p1,p2,...>
 *   audit report --node <url> --from <time> --to <time> [--format json|csv] [--signer <address>]
 *     (from a bank node's API, see audit-report.ts)
 *   audit export --node <url> --from <time> --to <time> [--signer <address>] [--out <file>] | --file <file>
 *     (the signed audit log export with its anchors, see audit-export.ts)
 * Options on every check: --rpc <url> (KYCNET_RPC_URL), --addresses <file.json> (KYCNET_ADDRESSES),
 * --json. Exit codes: 0 all checks passed, 1 a check found a problem, 2 bad usage or input,
 * 3 chain unreachable (or not the chain the addresses are for).
 */
import type { Command } from "commander";
import { runAudit, type AuditOutcome, type AuditRequest } from "@kycnet/sdk/cli";
import type { JsonValue } from "@kycnet/sdk/auditor";
import { colour, printJson, renderFacts, renderTable, type Cell } from "../output.ts";
import { runAuditExport } from "./audit-export.ts";
import { runAuditReport } from "./audit-report.ts";

interface GlobalOptions {
  readonly rpc?: string;
  readonly addresses?: string;
  readonly json?: boolean;
}

type Json = { readonly [key: string]: JsonValue };

const cell = (v: JsonValue | undefined): Cell =>
  v === undefined || v === null ? null : typeof v === "object" ? JSON.stringify(v) : v;
const time = (v: JsonValue | undefined): string | null =>
  typeof v === "string" && /^\d+$/.test(v) && v !== "0"
    ? `${new Date(Number(v) * 1000).toISOString().replace(".000Z", "Z")} (${v})`
    : null;
const list = (v: JsonValue | undefined): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
// A JSON value as text in a sentence: objects and arrays as JSON (String() would print "[object Object]").
const text = (v: JsonValue | undefined): string =>
  typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);

function renderAttestation(r: Json): string {
  return renderFacts({
    uid: cell(r.uid),
    issuer: `${text(r.issuerName ?? "not a member")} ${text(r.issuer)}`,
    "issuer active at anchoring": cell(r.issuerActiveAtAnchoring),
    "issuer active at issue": cell(r.issuerActiveAtIssue),
    anchored: time(r.anchoredAt),
    "anchored in tx": cell(r.anchoredInTx),
    method: cell(r.method),
    "assurance level": cell(r.assuranceLevel),
    "pipeline version": cell(r.pipelineVersion),
    issued: time(r.issuedAt),
    expires: time(r.expiresAt),
    "status now": cell(r.status),
    ...(r.at === null ? {} : { [`status at ${text(r.at)}`]: cell(r.statusAt) }),
    revoked: time(r.revokedAt),
    "revocation reason": cell(r.revocationReason),
  });
}

function renderConsent(r: Json): string {
  const sig = (r.signature ?? {}) as Json;
  const facts = renderFacts({
    consent: cell(r.consentId),
    attestation: cell(r.attestationUid),
    subject: cell(r.subject),
    grantee: `${text(r.granteeName ?? "not a member")} ${text(r.grantee)}`,
    purpose: cell(r.purposeName ?? r.purpose),
    fields: (r.fields as string[] | undefined)?.join(", ") ?? null,
    "valid until": time(r.validUntil),
    "status now": cell(r.status),
    signature: `${text(sig.via)} by ${text(sig.signer ?? "-")}`,
    "signed by subject": cell(sig.valid),
  });
  const history = list(r.history).map((e) => ({
    event: cell(e.kind),
    block: cell(e.blockNumber),
    time: time(e.at),
    by: cell(e.by),
    "field mask": cell(e.fieldMask),
    "consent then": cell(e.consentStatusThen),
  }));
  return `${facts}\n${history.length === 0 ? "" : renderTable(history)}`;
}

function renderDisclosures(r: Json): string {
  const consents = list(r.consents).map((c) => ({
    consent: cell(c.consentId),
    grantee: cell(c.granteeName ?? c.grantee),
    fields: (c.fields as string[] | undefined)?.join(", ") ?? null,
    "valid until": time(c.validUntil),
    status: cell(c.status),
  }));
  const disclosures = list(r.disclosures).map((d) => ({
    block: cell(d.blockNumber),
    time: time(d.at),
    consent: cell(d.consentId),
    grantee: cell(d.granteeName ?? d.grantee),
    fields: (d.fields as string[] | undefined)?.join(", ") ?? null,
    "consent then": cell(d.consentStatusThen),
    ok: list(d.problems).length === 0,
  }));
  return [
    renderFacts({
      attestation: cell(r.attestationUid),
      issuer: cell(r.issuer),
      consents: consents.length,
      disclosures: disclosures.length,
    }),
    consents.length === 0 ? "" : `${colour.bold("consents")}\n${renderTable(consents)}`,
    disclosures.length === 0 ? "" : `${colour.bold("disclosures")}\n${renderTable(disclosures)}`,
  ]
    .filter((s) => s !== "")
    .join("\n");
}

function renderField(r: Json): string {
  return renderFacts({
    attestation: cell(r.uid),
    field: cell(r.field),
    "matches the anchored root": cell(r.matches),
    "record root": cell(r.recordRoot),
    "attestation status": cell(r.attestationStatus),
  });
}

function print(outcome: AuditOutcome, json: boolean): void {
  const r = outcome.report;
  if (json) {
    printJson({ check: outcome.check, exitCode: outcome.exitCode, ...r });
  } else {
    const error = r.error as Json | undefined;
    if (error === undefined || r.findings !== undefined) {
      if (error === undefined) {
        const body = {
          attestation: renderAttestation,
          consent: renderConsent,
          disclosures: renderDisclosures,
          field: renderField,
        }[outcome.check](r);
        process.stdout.write(`${body}\n`);
      }
      const findings = list(r.findings) as unknown as string[];
      for (const f of findings) process.stdout.write(`${colour.red("finding")} ${f}\n`);
      process.stdout.write(
        outcome.exitCode === 0
          ? `${colour.green("PASSED")} all checks passed\n`
          : `${colour.red("FAILED")} ${findings.length} finding(s)\n`,
      );
    }
  }
  if (r.error !== undefined && r.findings === undefined) {
    const e = r.error as Json;
    process.stderr.write(`kycnet: ${text(e.code)}: ${text(e.message)}\n`);
  }
  process.exitCode = outcome.exitCode;
}

export function register(program: Command): void {
  const audit = program
    .command("audit")
    .description(
      "read-only audit of attestations, consents, disclosures and field values (needs only JSON-RPC and addresses)",
    )
    .option("--rpc <url>", "JSON-RPC URL of the consortium chain (default: $KYCNET_RPC_URL)")
    .option(
      "--addresses <file>",
      "JSON file with consortium, attestations, consents addresses (default: $KYCNET_ADDRESSES)",
    )
    .option("--json", "machine-readable output");

  const run = async (request: AuditRequest, command: Command) => {
    const opts = command.optsWithGlobals<GlobalOptions>();
    print(await runAudit(request, { rpc: opts.rpc, addresses: opts.addresses }), opts.json === true);
  };

  audit
    .command("attestation <uid>")
    .description("issuer membership at anchoring, method, pipeline version, status now or at --at")
    .option("--at <time>", "also the status at this time (unix seconds or ISO 8601)")
    .action(async (uid: string, opts: { at?: string }, command: Command) =>
      run({ check: "attestation", uid, ...(opts.at === undefined ? {} : { at: opts.at }) }, command),
    );

  audit
    .command("consent <consentId>")
    .description("subject signature, status and history (grant, disclosures, revocation) of one consent")
    .action(async (consentId: string, _opts: unknown, command: Command) =>
      run({ check: "consent", consentId }, command),
    );

  audit
    .command("disclosures")
    .description("every disclosure of an attestation's record had an ACTIVE consent naming that grantee at that block")
    .requiredOption("--attestation <uid>", "attestation uid")
    .action(async (opts: { attestation: string }, command: Command) =>
      run({ check: "disclosures", attestation: opts.attestation }, command),
    );

  audit
    .command("field <uid>")
    .description("proves a field value (with its salt and Merkle proof) against the anchored record root")
    .requiredOption("--name <field>", "field name (idNumber, fullName, dateOfBirth, ...)")
    .requiredOption("--value <value>", "the field's value")
    .requiredOption("--salt <salt>", "the field's 32-byte salt (0x...)")
    .requiredOption("--proof <hashes>", "the Merkle proof: comma-separated 32-byte hashes")
    .action(async (uid: string, opts: { name: string; value: string; salt: string; proof: string }, command: Command) =>
      run({ check: "field", uid, ...opts }, command),
    );

  audit
    .command("report")
    .description(
      "the auditor's report of a bank node for [from, to), signed by its HSM key; prints it and checks the signature (API key: $KYCNET_API_KEY)",
    )
    .option("--node <url>", "the bank node's API (default: $KYCNET_NODE_URL)")
    .requiredOption("--from <time>", "start of the period, inclusive (unix seconds or ISO 8601)")
    .requiredOption("--to <time>", "end of the period, exclusive")
    .option("--format <format>", "json or csv", "json")
    .option("--signer <address>", "the bank's member account the signature must recover to")
    .action(
      async (opts: { node?: string; from: string; to: string; format?: string; signer?: string }, command: Command) =>
        runAuditReport({ ...opts, json: command.optsWithGlobals<GlobalOptions>().json === true }),
    );

  audit
    .command("export")
    .description(
      "a bank node's audit log for [from, to) with the anchors that prove it, signed by its HSM key; checks the " +
        "signature, the hash chain and each anchor (on chain too with --rpc/--addresses) (API key: $KYCNET_API_KEY)",
    )
    .option("--node <url>", "the bank node's API (default: $KYCNET_NODE_URL)")
    .option("--from <time>", "start of the period, inclusive (unix seconds or ISO 8601)")
    .option("--to <time>", "end of the period, exclusive")
    .option("--file <file>", "check a saved export (what --out wrote) instead of fetching one")
    .option("--out <file>", "also save the signed export to this file")
    .option("--signer <address>", "the bank's member account the signature must recover to")
    .action(
      async (
        opts: { node?: string; from?: string; to?: string; file?: string; out?: string; signer?: string },
        command: Command,
      ) => {
        const globals = command.optsWithGlobals<GlobalOptions>();
        await runAuditExport({
          ...opts,
          ...(globals.rpc === undefined ? {} : { rpc: globals.rpc }),
          ...(globals.addresses === undefined ? {} : { addresses: globals.addresses }),
          json: globals.json === true,
        });
      },
    );
}
