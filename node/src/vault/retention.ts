/**
 * Retention rules (seed 003, storage layer): eKYC data is kept at least 5 years after the account
 * closes, 10 years for transactions over 400M VND or suspected money laundering. While the account
 * is open there is no deadline. At the deadline the record is crypto-shredded.
 */
export const RetentionClass = { STANDARD: "STANDARD", LARGE_OR_SUSPICIOUS: "LARGE_OR_SUSPICIOUS" } as const;
export type RetentionClassName = keyof typeof RetentionClass;

export const RETENTION_YEARS: Readonly<Record<RetentionClassName, number>> = { STANDARD: 5, LARGE_OR_SUSPICIOUS: 10 };

/** The first instant the record may be destroyed: closure + N calendar years (UTC). */
export function retainUntil(closedAt: Date, retentionClass: RetentionClassName): Date {
  const until = new Date(closedAt.getTime());
  until.setUTCFullYear(until.getUTCFullYear() + RETENTION_YEARS[retentionClass]);
  return until;
}

/** Key of the retention index: ordered by deadline so the sweeper reads only what is due. */
export const retentionKey = (until: Date, recordId: string) => `retention/${until.toISOString()}/${recordId}`;
