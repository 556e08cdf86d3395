/** Checks on a snapshot before any adapter accepts it, and merging snapshots of several lists. */
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { SanctionsListEmptyError, SanctionsListTooLargeError } from "./errors.ts";
import type { SanctionsSnapshot } from "./port.ts";

export const MAX_ENTRIES = 500_000;

export function assertUsableSnapshot(snapshot: SanctionsSnapshot): void {
  if (snapshot === null || typeof snapshot !== "object" || !Array.isArray(snapshot.entries)) {
    throw new InvalidArgumentError("snapshot", "must have an entries array");
  }
  if (typeof snapshot.version !== "string" || snapshot.version === "")
    throw new InvalidArgumentError("snapshot.version", "must be a non-empty string");
  if (snapshot.entries.length === 0) throw new SanctionsListEmptyError(snapshot.version);
  if (snapshot.entries.length > MAX_ENTRIES) throw new SanctionsListTooLargeError("entry count", MAX_ENTRIES);
  const ids = new Set<string>();
  // Array.isArray above narrowed the entries to any[]; the declared type keeps the ids type-checked.
  const entries: SanctionsSnapshot["entries"] = snapshot.entries;
  for (const e of entries) {
    if (ids.has(e.id)) throw new InvalidArgumentError("snapshot.entries", `duplicate entry id ${e.id}`);
    ids.add(e.id);
  }
}

/** One snapshot out of several (e.g. UN + OFAC); versions are joined with "+". */
export function mergeSnapshots(snapshots: readonly SanctionsSnapshot[]): SanctionsSnapshot {
  return { version: snapshots.map((s) => s.version).join("+"), entries: snapshots.flatMap((s) => s.entries) };
}
