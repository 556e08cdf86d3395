/**
 * The vault's key hierarchy: which HSM record key (custody `keyId`) seals a record, and when a key's
 * period is over so that the key can be destroyed in the HSM. Destroying a key makes every copy of
 * what it sealed unreadable, old backups of the vault files included, so a period key lives exactly
 * as long as the records it protects may lawfully be read:
 *
 * - `open/<year>`: records of open accounts (and records in review) sealed or rotated in that UTC
 *   year. At the first retention sweep of a later year the records still under it are re-sealed
 *   under the current year's key and it is destroyed ("rotation").
 * - `until/<year>-<month>`: records whose retention ends in that UTC month (re-sealed here when the
 *   account closes). Every such record is shredded by the sweep at its deadline; the key is destroyed
 *   by the first sweep once the month is over.
 *
 * Pure functions of dates: nothing here touches the HSM or the store.
 */

const OPEN = /^open\/(\d{4})$/;
const UNTIL = /^until\/(\d{4})-(\d{2})$/;

/** The key that seals a record of an open account at `at`. */
export const openKeyId = (at: Date): string => `open/${at.getUTCFullYear()}`;

/** The key of records whose retention ends at `retainUntil`. */
export const retentionKeyId = (retainUntil: Date): string =>
  `until/${retainUntil.getUTCFullYear()}-${String(retainUntil.getUTCMonth() + 1).padStart(2, "0")}`;

/** What to do with key `keyId` at `now`: keep it, rotate its records out then destroy it, or destroy it. */
export type KeyFate = "keep" | "rotate-then-destroy" | "destroy";

export function keyFate(keyId: string, now: Date): KeyFate {
  const open = OPEN.exec(keyId);
  if (open !== null) return Number(open[1]) < now.getUTCFullYear() ? "rotate-then-destroy" : "keep";
  const until = UNTIL.exec(keyId);
  if (until !== null) {
    // The first instant after the key's month: every deadline inside it has passed by then.
    const monthEnd = Date.UTC(Number(until[1]), Number(until[2]), 1);
    return now.getTime() >= monthEnd ? "destroy" : "keep";
  }
  return "keep"; // not a vault period key (e.g. the node's identity key): never the vault's to destroy
}
