/**
 * The signed export of the audit log for a time range (Decree 13's 72-hour breach notice;
 * docs/audit-trail.md): the entries in [from, to), then the entries that link the last of them to
 * the first audit head anchored at or after it, and the anchors (transaction, block, count, head)
 * within. Signed by the node's HSM chain key like the auditor's report (EIP-191 over the document's
 * bytes); `verifyAuditExport` in @kycnet/sdk/auditor checks the signature, the hash chain and, given
 * a provider, each anchor on chain.
 *
 * Ids, codes, actors and times only: the audit log holds no personal data. The log is read from
 * its start (it has no index by time), and an export holds at most MAX_ENTRIES entries.
 */
import { createHash } from "node:crypto";
import type { AuditAnchor } from "@kycnet/sdk/chain";
import { AUDIT_EXPORT_KIND, type AuditExportDocument } from "@kycnet/sdk/auditor";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import type { Hex } from "@kycnet/sdk/protocol";
import type { AuditEntry, AuditLog } from "../vault/audit-log.ts";
import type { DocumentSigner } from "./audit-report.ts";
import type { SignedDocument } from "./ports.ts";

const MAX_PERIOD_MS = 366 * 86_400_000;
/** Past this, ask for a shorter range (the document is built in memory). */
export const MAX_EXPORT_ENTRIES = 100_000;
const PAGE = 1_000;

export interface AuditExportDeps {
  readonly bank: string;
  readonly audit: AuditLog;
  readonly signer: DocumentSigner;
  readonly chain: { readonly chainId: bigint; readonly attestations: Hex };
  /** The heads this bank anchored, in chain order (the chain's AuditAnchored events). */
  readonly anchors: () => Promise<readonly AuditAnchor[]>;
  readonly clock?: () => Date;
}

export function createAuditExports(deps: AuditExportDeps) {
  const clock = deps.clock ?? (() => new Date());

  async function build(from: Date, to: Date): Promise<AuditExportDocument> {
    if (!(from.getTime() < to.getTime())) throw new InvalidArgumentError("from", "must be before to");
    if (to.getTime() - from.getTime() > MAX_PERIOD_MS)
      throw new InvalidArgumentError("to", "a period is at most 366 days");
    const [start, end] = [from.toISOString(), to.toISOString()];
    const anchors = await deps.anchors();

    // The range's first and last entries; then everything from the first to the covering anchor.
    let firstSeq: number | null = null;
    let lastSeq: number | null = null;
    let count = 0;
    let headSeq = 0;
    for await (const entry of entriesFrom(deps.audit, 0)) {
      headSeq = entry.seq;
      if (entry.at < start || entry.at >= end) continue;
      firstSeq ??= entry.seq;
      lastSeq = entry.seq;
      count += 1;
    }
    const cover = lastSeq === null ? null : anchors.find((a) => a.count >= lastSeq);
    const endSeq = lastSeq === null ? 0 : (cover?.count ?? headSeq);
    if (firstSeq !== null && endSeq - firstSeq + 1 > MAX_EXPORT_ENTRIES)
      throw new InvalidArgumentError(
        "to",
        `the range holds more than ${MAX_EXPORT_ENTRIES} entries: ask a shorter one`,
      );

    const entries: AuditEntry[] = [];
    if (firstSeq !== null)
      for await (const entry of entriesFrom(deps.audit, firstSeq - 1)) {
        if (entry.seq > endSeq) break;
        entries.push(entry);
      }
    return {
      kind: AUDIT_EXPORT_KIND,
      bank: deps.bank,
      account: deps.signer.address,
      chain: { chainId: deps.chain.chainId.toString(), attestations: deps.chain.attestations },
      from: start,
      to: end,
      generatedAt: clock().toISOString(),
      range: { count, firstSeq, lastSeq },
      entries,
      anchors: firstSeq === null ? [] : anchors.filter((a) => a.count >= firstSeq && a.count <= endSeq),
    };
  }

  return {
    build,
    /** The export as a signed JSON document. Throws INVALID_ARGUMENT for an empty, reversed, over-long or too-full period. */
    async export(query: { from: Date; to: Date }): Promise<SignedDocument> {
      const document = `${JSON.stringify(await build(query.from, query.to), null, 2)}\n`;
      const bytes = new TextEncoder().encode(document);
      return {
        format: "json",
        document,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        signer: deps.signer.address,
        signature: (await deps.signer.signMessage(bytes)) as Hex,
      };
    },
  };
}

async function* entriesFrom(audit: AuditLog, afterSeq: number): AsyncGenerator<AuditEntry> {
  for (let after = afterSeq; ;) {
    const page = await audit.list({ afterSeq: after, limit: PAGE });
    yield* page;
    if (page.length < PAGE) return;
    after = page.at(-1)!.seq;
  }
}
