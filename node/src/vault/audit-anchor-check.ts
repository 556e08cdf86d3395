/**
 * The audit log against the heads anchored on chain: for each anchor (count, head), entry `count`
 * must exist (else the log was cut after it was anchored) and must have exactly that hash (else an
 * entry up to `count` was changed, even if every later hash was recomputed). Shared by the start-up
 * check (vault-check.ts, from the last checkpoint's block) and `kycnet vault verify-audit` (all).
 */
import type { AuditAnchor } from "@kycnet/sdk/chain";
import type { AuditLog } from "./audit-log.ts";

export interface AnchorComparison {
  /** One line per anchor that does not match (ids, counts and hashes only). */
  readonly problems: readonly string[];
  /** The highest count anchored (0 when none): entries after it are not protected yet. */
  readonly anchoredCount: number;
  readonly anchors: number;
}

export async function compareWithAnchors(audit: AuditLog, anchors: readonly AuditAnchor[]): Promise<AnchorComparison> {
  const problems: string[] = [];
  for (const anchor of anchors) {
    const entry = await audit.entry(anchor.count);
    if (entry === undefined)
      problems.push(
        `audit log truncated: entry ${anchor.count} is missing, but the chain holds its head (tx ${anchor.txHash}, block ${anchor.blockNumber})`,
      );
    else if (entry.hash !== anchor.head)
      problems.push(
        `audit log changed: entry ${anchor.count} has hash ${entry.hash}, the chain holds ${anchor.head} (tx ${anchor.txHash}, block ${anchor.blockNumber})`,
      );
  }
  return {
    problems,
    anchoredCount: anchors.reduce((max, a) => Math.max(max, a.count), 0),
    anchors: anchors.length,
  };
}

export interface AuditTrailVerification {
  readonly ok: boolean;
  /** Entries in the log, and its last hash. */
  readonly entries: number;
  readonly headHash: string;
  /** Anchors found on chain, and the highest count they hold. */
  readonly anchors: number;
  readonly anchoredCount: number;
  /** Entries after the last anchor: their order and content are protected only by the vault itself. */
  readonly unanchoredEntries: number;
  readonly problems: readonly string[];
}

/** The whole check of `kycnet vault verify-audit`: the hash chain from the first entry, then every anchored head. */
export async function verifyAuditTrail(
  audit: AuditLog,
  anchors: readonly AuditAnchor[],
): Promise<AuditTrailVerification> {
  const chain = await audit.verify();
  const compared = await compareWithAnchors(audit, anchors);
  const problems = [
    ...(chain.ok ? [] : [`hash chain broken at entry ${chain.brokenAt}: ${chain.reason}`]),
    ...compared.problems,
  ];
  return {
    ok: problems.length === 0,
    entries: chain.entries,
    headHash: chain.headHash,
    anchors: compared.anchors,
    anchoredCount: compared.anchoredCount,
    unanchoredEntries: Math.max(0, chain.entries - compared.anchoredCount),
    problems,
  };
}
