/**
 * The hash chain of a bank node's audit log (docs/audit-trail.md), defined once here so that the
 * node that writes the log and the auditor who checks an export of it compute the same hashes.
 *
 * Entry `seq` (1, 2, ...) has hash sha256 of the JSON array of its fields in a fixed order, the
 * last being the hash of entry `seq - 1` (64 zeros before the first). So each hash commits to every
 * entry before it: the head (count, hash of the last entry) anchored on chain proves the whole log
 * up to it, and a log whose entry at that count hashes to something else was changed.
 */
import { sha256, toUtf8Bytes } from "ethers";

export type AuditOutcome = "REQUESTED" | "SUCCEEDED" | "FAILED" | "DENIED" | "REJECTED";

/** One entry as stored and exported: ids, codes and actors, never personal data. */
export interface AuditChainEntry {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly outcome?: AuditOutcome;
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
  readonly prevHash: string;
  readonly hash: string;
}

/** The hash before the first entry, and the head of an empty log. */
export const AUDIT_GENESIS_HASH = "0".repeat(64);

/** The hash of an entry from its fields and `prevHash` (64 lower-case hex digits, no 0x). */
export function auditEntryHash(entry: Omit<AuditChainEntry, "hash">): string {
  // Fixed field order, so the hash does not depend on how an object was built.
  const canonical = JSON.stringify([
    entry.seq,
    entry.at,
    entry.actor,
    entry.action,
    entry.target,
    entry.outcome ?? "SUCCEEDED",
    entry.details === undefined ? null : Object.entries(entry.details).sort(([a], [b]) => (a < b ? -1 : 1)),
    entry.prevHash,
  ]);
  return sha256(toUtf8Bytes(canonical)).slice(2);
}

/** An audit head as the chain carries it: bytes32 `0x` + the entry's hash. */
export const auditHeadToBytes32 = (hash: string): string => `0x${hash}`;
