/**
 * A bank node's signed export of its audit log for a time range (Decree 13's 72-hour breach
 * notice; docs/audit-trail.md), and its check by anyone holding it: the node's EIP-191 signature
 * (`verifySignedDocument`), the hash chain of the entries (the node's own rule, `auditEntryHash`),
 * each anchor against the entries, and, given a provider, each anchor against the chain.
 *
 * The export holds the entries in [from, to) and, after them, the entries up to the first head the
 * bank anchored at or after the last of them: those link the range to an anchor, so a change to
 * any exported entry would have to change a hash the chain already holds. Entries after the last
 * anchor are exported too, and reported as not yet proven.
 */
import type { Provider } from "ethers";
import { isAuditAnchorOnChain } from "../chain/audit-anchors.ts";
import { KycnetError } from "../errors.ts";
import { AUDIT_GENESIS_HASH, auditEntryHash, type AuditChainEntry } from "../protocol/audit-chain.ts";
import type { Hex } from "../protocol/bytes.ts";
import { verifySignedDocument, type SignedDocumentInput } from "./signed-document.ts";

export const AUDIT_EXPORT_KIND = "kycnet/audit-export/1";

export interface AuditExportAnchor {
  readonly count: number;
  readonly head: string;
  readonly txHash: Hex;
  readonly blockNumber: number;
}

/** The signed document's content (JSON). */
export interface AuditExportDocument {
  readonly kind: typeof AUDIT_EXPORT_KIND;
  readonly bank: string;
  /** The bank's member account: the signer of the document and the issuer of the anchors. */
  readonly account: Hex;
  readonly chain: { readonly chainId: string; readonly attestations: Hex };
  readonly from: string;
  readonly to: string;
  readonly generatedAt: string;
  /** The entries in [from, to): how many, and the first and last sequence numbers (null when none). */
  readonly range: { readonly count: number; readonly firstSeq: number | null; readonly lastSeq: number | null };
  /** Contiguous entries from `range.firstSeq`: the range, then the links to the covering anchor. */
  readonly entries: readonly AuditChainEntry[];
  /** The anchors whose count falls within the exported entries, in chain order. */
  readonly anchors: readonly AuditExportAnchor[];
}

export interface AuditExportCheck {
  readonly document: AuditExportDocument;
  readonly signer: Hex;
  /** The highest entry an anchor proves (0 when none). */
  readonly provenThrough: number;
  /** Entries of the range after the last anchor: signed by the node, not yet proven by the chain. */
  readonly unprovenEntries: number;
  /** True when each anchor was found on chain (a provider was given). */
  readonly anchorsOnChain: boolean;
}

/** The export fails a check: its findings say which. */
export class AuditExportInvalidError extends KycnetError {
  constructor(readonly findings: readonly string[]) {
    super("AUDIT_EXPORT_INVALID", `audit export not valid: ${findings.join("; ")}`, { details: { findings } });
  }
}

export interface VerifyAuditExportOptions {
  /** The bank's member account as the consortium lists it; default: the account the export states. */
  readonly expectedSigner?: string;
  /** Read-only chain access: each anchor's transaction is checked on chain. */
  readonly provider?: Provider;
  /**
   * The consortium's AttestationRegistry from the auditor's own addresses file: the export must name
   * it (else a forged export could point at a registry of its own making).
   */
  readonly registry?: string;
}

/** Checks a signed audit export; throws AuditExportInvalidError naming every failed check. */
export async function verifyAuditExport(
  signed: SignedDocumentInput,
  options: VerifyAuditExportOptions = {},
): Promise<AuditExportCheck> {
  const signature = verifySignedDocument(signed, options.expectedSigner);
  const findings = [...signature.findings];
  const document = parseDocument(signed.document, findings);
  if (document === null || signature.recoveredSigner === null) throw new AuditExportInvalidError(findings);
  if (document.account.toLowerCase() !== signature.recoveredSigner.toLowerCase())
    findings.push(`the export names account ${document.account}, but ${signature.recoveredSigner} signed it`);

  findings.push(...chainFindings(document.entries));
  const bySeq = new Map(document.entries.map((e) => [e.seq, e]));
  for (const anchor of document.anchors) {
    const entry = bySeq.get(anchor.count);
    if (entry === undefined)
      findings.push(`anchor at entry ${anchor.count} (tx ${anchor.txHash}) has no entry in the export`);
    else if (entry.hash !== anchor.head)
      findings.push(
        `entry ${anchor.count} hashes to ${entry.hash}, its anchor (tx ${anchor.txHash}) holds ${anchor.head}`,
      );
  }
  if (options.registry !== undefined && options.registry.toLowerCase() !== document.chain.attestations.toLowerCase())
    findings.push(`the export names registry ${document.chain.attestations}, not the consortium's ${options.registry}`);
  if (options.provider !== undefined) {
    const network = await options.provider.getNetwork();
    if (network.chainId.toString() !== document.chain.chainId)
      findings.push(`the export is for chain ${document.chain.chainId}, the provider serves chain ${network.chainId}`);
    else
      for (const anchor of document.anchors)
        if (
          !(await isAuditAnchorOnChain(
            options.provider,
            document.chain.attestations,
            signature.recoveredSigner,
            anchor,
          ))
        )
          findings.push(
            `anchor at entry ${anchor.count}: no such AuditAnchored by ${signature.recoveredSigner} in tx ${anchor.txHash}`,
          );
  }
  if (findings.length > 0) throw new AuditExportInvalidError(findings);

  const provenThrough = document.anchors.reduce((max, a) => Math.max(max, a.count), 0);
  const lastSeq = document.range.lastSeq ?? 0;
  return Object.freeze({
    document,
    signer: signature.recoveredSigner,
    provenThrough,
    unprovenEntries:
      document.range.count === 0
        ? 0
        : Math.max(0, lastSeq - Math.max(provenThrough, (document.range.firstSeq ?? 1) - 1)),
    anchorsOnChain: options.provider !== undefined,
  });
}

/** Contiguous sequence numbers, each hash recomputed from the entry, each entry linked to the one before. */
function chainFindings(entries: readonly AuditChainEntry[]): string[] {
  const findings: string[] = [];
  for (const [i, entry] of entries.entries()) {
    const { hash, ...body } = entry;
    if (auditEntryHash(body) !== hash) findings.push(`entry ${entry.seq}: content does not match its hash`);
    const before = entries[i - 1];
    if (before !== undefined) {
      if (entry.seq !== before.seq + 1)
        findings.push(`entry ${entry.seq} follows entry ${before.seq}: entries are missing`);
      if (entry.prevHash !== before.hash) findings.push(`entry ${entry.seq}: does not link to entry ${before.seq}`);
    } else if (entry.seq === 1 && entry.prevHash !== AUDIT_GENESIS_HASH) {
      findings.push("entry 1: does not start the chain");
    }
  }
  return findings;
}

function parseDocument(text: string, findings: string[]): AuditExportDocument | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    findings.push("the document is not JSON");
    return null;
  }
  const d = value as Partial<AuditExportDocument> | null;
  const shaped =
    d !== null &&
    typeof d === "object" &&
    d.kind === AUDIT_EXPORT_KIND &&
    typeof d.account === "string" &&
    typeof d.chain?.chainId === "string" &&
    typeof d.chain.attestations === "string" &&
    typeof d.range?.count === "number" &&
    Array.isArray(d.entries) &&
    d.entries.every(isEntry) &&
    Array.isArray(d.anchors) &&
    d.anchors.every(isAnchor);
  if (!shaped) {
    findings.push(`the document is not a ${AUDIT_EXPORT_KIND}`);
    return null;
  }
  return d as AuditExportDocument;
}

function isEntry(value: unknown): value is AuditChainEntry {
  const e = value as Partial<AuditChainEntry> | null;
  return (
    e !== null &&
    typeof e === "object" &&
    Number.isSafeInteger(e.seq) &&
    typeof e.at === "string" &&
    typeof e.actor === "string" &&
    typeof e.action === "string" &&
    typeof e.target === "string" &&
    typeof e.prevHash === "string" &&
    typeof e.hash === "string"
  );
}

function isAnchor(value: unknown): value is AuditExportAnchor {
  const a = value as Partial<AuditExportAnchor> | null;
  return (
    a !== null &&
    typeof a === "object" &&
    Number.isSafeInteger(a.count) &&
    typeof a.head === "string" &&
    typeof a.txHash === "string" &&
    /^0x[0-9a-fA-F]{64}$/.test(a.txHash) &&
    Number.isSafeInteger(a.blockNumber)
  );
}
