/**
 * What changed between two publications of the lists, entry by entry, so that standing customers
 * are screened again only against the new and the amended entries (issue 21): a full re-screen of
 * every customer against every entry on each publication would cost the same for a one-line change.
 *
 * An entry's fingerprint is the SHA-256 of its JSON, so a renamed alias, a new date of birth or a
 * new nationality on an existing id counts as a change. The loaders build every entry with the same
 * key order, so the same content gives the same JSON; a loader change that reorders keys only makes
 * one publication look wholly new (one full re-screen), never hides a change. Removed entries need no
 * screening; they only leave the fingerprint set.
 */
import { createHash } from "node:crypto";
import type { SanctionsEntry, SanctionsSnapshot } from "./port.ts";

export type EntryFingerprints = ReadonlyMap<string, string>;

export interface SnapshotDelta {
  /** New ids and ids whose content changed: the entries to screen standing customers against. */
  readonly changed: readonly SanctionsEntry[];
  /** Ids that are gone from the lists. */
  readonly removed: readonly string[];
  /** The fingerprints of the whole new snapshot, to keep once the changed entries are screened. */
  readonly fingerprints: EntryFingerprints;
}

export function entryFingerprint(entry: SanctionsEntry): string {
  return createHash("sha256").update(JSON.stringify(entry)).digest("hex");
}

export function snapshotDelta(previous: EntryFingerprints, next: SanctionsSnapshot): SnapshotDelta {
  const fingerprints = new Map<string, string>();
  const changed: SanctionsEntry[] = [];
  for (const entry of next.entries) {
    const fingerprint = entryFingerprint(entry);
    fingerprints.set(entry.id, fingerprint);
    if (previous.get(entry.id) !== fingerprint) changed.push(entry);
  }
  const removed = [...previous.keys()].filter((id) => !fingerprints.has(id));
  return { changed, removed, fingerprints };
}
