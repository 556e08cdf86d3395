/**
 * The auditor's report for a period, built from the node's hash-chained audit log: attestations
 * (stored, held for review, anchored, revoked, shredded), decisions (counts by outcome and by
 * reason code), every review action, every disclosure of a record to another bank under consent,
 * and reads of records by the bank's own systems. Then signed by the node's HSM chain key
 * (EIP-191 over the document's bytes; `verifySignedDocument` in @kycnet/sdk/auditor checks it).
 *
 * Ids, codes, actors and counts only: the audit log holds no personal data, so neither does this.
 * The period is [from, to) on the entries' times. The log is read from its start (the report is
 * asked for rarely, and the log has no index by time).
 */
import { createHash } from "node:crypto";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import type { Hex } from "@kycnet/sdk/protocol";
import type { AuditEntry, AuditLog } from "../vault/audit-log.ts";
import type { ReportFormat, SignedDocument } from "./ports.ts";

/** Signs a document's bytes with the node's chain key (EIP-191). */
export interface DocumentSigner {
  readonly address: Hex;
  signMessage(bytes: Uint8Array): Promise<string>;
}

export interface AuditReport {
  readonly bank: string;
  readonly signer: Hex;
  readonly from: string;
  readonly to: string;
  readonly generatedAt: string;
  /** The audit log's entries read, and the sequence number of the last one (ties the report to the chain of entries). */
  readonly auditLog: { readonly entriesInPeriod: number; readonly lastSeq: number };
  readonly attestations: Readonly<Record<"stored" | "heldForReview" | "anchored" | "revoked" | "shredded", number>>;
  readonly decisions: {
    readonly total: number;
    readonly byOutcome: Readonly<Record<string, number>>;
    readonly byReason: Readonly<Record<string, number>>;
  };
  readonly reviewActions: readonly ReportEvent[];
  readonly disclosures: readonly ReportEvent[];
  readonly recordReads: readonly ReportEvent[];
}

export interface ReportEvent {
  readonly at: string;
  readonly seq: number;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly detail: string;
}

const MAX_PERIOD_MS = 366 * 86_400_000;
const PAGE = 1_000;

export interface AuditReportDeps {
  readonly bank: string;
  readonly audit: AuditLog;
  readonly signer: DocumentSigner;
  readonly clock?: () => Date;
}

export function createAuditReports(deps: AuditReportDeps) {
  const clock = deps.clock ?? (() => new Date());

  async function build(from: Date, to: Date): Promise<AuditReport> {
    if (!(from.getTime() < to.getTime())) throw new InvalidArgumentError("from", "must be before to");
    if (to.getTime() - from.getTime() > MAX_PERIOD_MS)
      throw new InvalidArgumentError("to", "a period is at most 366 days");
    const stats = newStats();
    const [start, end] = [from.toISOString(), to.toISOString()];
    let lastSeq = 0;
    let entriesInPeriod = 0;
    const decided = new Set<string>();
    for (let afterSeq = 0; ;) {
      const page = await deps.audit.list({ afterSeq, limit: PAGE });
      for (const entry of page) {
        lastSeq = entry.seq;
        if (entry.at < start || entry.at >= end) continue;
        entriesInPeriod += 1;
        tally(stats, entry, decided);
      }
      if (page.length < PAGE) break;
      afterSeq = page[page.length - 1]!.seq;
    }
    return {
      bank: deps.bank,
      signer: deps.signer.address,
      from: start,
      to: end,
      generatedAt: clock().toISOString(),
      auditLog: { entriesInPeriod, lastSeq },
      ...stats,
    };
  }

  return {
    build,
    /** The report as a signed document. Throws INVALID_ARGUMENT for an empty, reversed or over-long period. */
    async report(query: { from: Date; to: Date; format: ReportFormat }): Promise<SignedDocument> {
      const report = await build(query.from, query.to);
      const document = query.format === "csv" ? toCsv(report) : `${JSON.stringify(report, null, 2)}\n`;
      const bytes = new TextEncoder().encode(document);
      return {
        format: query.format,
        document,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        signer: deps.signer.address,
        signature: (await deps.signer.signMessage(bytes)) as Hex,
      };
    },
  };
}

type Stats = Pick<AuditReport, "attestations" | "decisions" | "reviewActions" | "disclosures" | "recordReads">;
type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

function newStats(): Mutable<Stats> {
  return {
    attestations: { stored: 0, heldForReview: 0, anchored: 0, revoked: 0, shredded: 0 },
    decisions: { total: 0, byOutcome: {}, byReason: {} },
    reviewActions: [],
    disclosures: [],
    recordReads: [],
  };
}

const event = (entry: AuditEntry, detail = ""): ReportEvent => ({
  at: entry.at,
  seq: entry.seq,
  actor: entry.actor,
  action: entry.action,
  target: entry.target,
  detail,
});

const ATTESTATION_ACTIONS: Readonly<Record<string, keyof Stats["attestations"]>> = {
  "record.stored": "stored",
  "record.held-for-review": "heldForReview",
  "attestation.anchored": "anchored",
  "record.shredded": "shredded",
};

function tally(stats: Mutable<Stats>, entry: AuditEntry, decided: Set<string>): void {
  const counter = ATTESTATION_ACTIONS[entry.action];
  if (counter !== undefined && (entry.outcome ?? "SUCCEEDED") === "SUCCEEDED") stats.attestations[counter] += 1;
  // The API's own entry for a revocation that went through (REQUESTED comes first, then SUCCEEDED).
  if (entry.action === "attestation.revoke" && entry.outcome === "SUCCEEDED") stats.attestations.revoked += 1;
  if (entry.action === "decision.made" && !decided.has(entry.target)) {
    // A decision asked for twice is one decision.
    decided.add(entry.target);
    const outcome = String(entry.details?.outcome ?? "UNKNOWN");
    stats.decisions.total += 1;
    stats.decisions.byOutcome[outcome] = (stats.decisions.byOutcome[outcome] ?? 0) + 1;
    const reasons = String(entry.details?.reasons ?? "");
    for (const reason of reasons === "" ? [] : reasons.split(","))
      stats.decisions.byReason[reason] = (stats.decisions.byReason[reason] ?? 0) + 1;
  }
  if (/^review\.(opened|claimed|approved|rejected)$/.test(entry.action))
    stats.reviewActions.push(event(entry, String(entry.details?.recordId ?? "")));
  if (entry.action === "record.opened") {
    const purpose = String(entry.details?.purpose ?? "");
    if (purpose === "disclosure-under-consent") stats.disclosures.push(event(entry, purpose));
    else stats.recordReads.push(event(entry, purpose));
  }
}

/** One CSV: a section column, then the fields; RFC 4180 quoting, and a leading quote on cells a spreadsheet would run as a formula. */
function toCsv(report: AuditReport): string {
  const rows: string[][] = [["section", "key", "value", "at", "seq", "actor", "action", "target", "detail"]];
  const meta: [string, string][] = [
    ["bank", report.bank],
    ["signer", report.signer],
    ["from", report.from],
    ["to", report.to],
    ["generatedAt", report.generatedAt],
    ["entriesInPeriod", String(report.auditLog.entriesInPeriod)],
    ["lastSeq", String(report.auditLog.lastSeq)],
  ];
  for (const [key, value] of meta) rows.push(["report", key, value]);
  for (const [key, value] of Object.entries(report.attestations)) rows.push(["attestations", key, String(value)]);
  rows.push(["decisions", "total", String(report.decisions.total)]);
  for (const [key, value] of Object.entries(report.decisions.byOutcome))
    rows.push(["decisions.outcome", key, String(value)]);
  for (const [key, value] of Object.entries(report.decisions.byReason))
    rows.push(["decisions.reason", key, String(value)]);
  const events: [string, readonly ReportEvent[]][] = [
    ["review", report.reviewActions],
    ["disclosure", report.disclosures],
    ["record-read", report.recordReads],
  ];
  for (const [section, list] of events)
    for (const e of list) rows.push([section, "", "", e.at, String(e.seq), e.actor, e.action, e.target, e.detail]);
  return rows.map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
