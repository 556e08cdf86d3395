/**
 * The `SanctionsList` port: screen a customer's name (with date of birth and nationality as
 * tie-breakers) against the loaded sanctions lists. Adapters: `indexed-list.ts` (the real one: an
 * index built once per load) and `linear-list.ts` (a plain scan: the fake, and the benchmark's
 * baseline). Both give the same hits for the same snapshot (one compliance suite).
 *
 * Lists are loaded by `loaders/` into a `SanctionsSnapshot` and swapped in with `reload`, which is
 * atomic: a snapshot that fails validation leaves the previous one active.
 */

export type SanctionsSource = "UN_CONSOLIDATED" | "OFAC_SDN";

/** A date of birth as lists give it: an exact date, a year, or a range of years. */
export interface BirthDateSpec {
  fromYear: number;
  toYear: number;
  /** `YYYY-MM-DD` when the list gives a full date. */
  date?: string;
}

export interface SanctionsEntry {
  /** Unique within a snapshot: `${source}:${list id}`. */
  id: string;
  source: SanctionsSource;
  /** The list's own reference (UN REFERENCE_NUMBER, OFAC uid). */
  reference: string;
  kind: "INDIVIDUAL" | "ENTITY";
  /** Primary name first, then aliases, as printed in the list. */
  names: readonly string[];
  datesOfBirth: readonly BirthDateSpec[];
  /** ISO 3166-1 alpha-3 codes of nationalities / citizenships the list gives (known names only). */
  nationalities: readonly string[];
  programs: readonly string[];
}

export interface SanctionsSnapshot {
  /** Where the data came from and when it was published, e.g. "UN_CONSOLIDATED@2026-11-20+OFAC_SDN@11/21/2026". */
  version: string;
  entries: readonly SanctionsEntry[];
}

export interface ScreeningQuery {
  fullName: string;
  /** `YYYY-MM-DD`. */
  dateOfBirth?: string;
  /** ISO 3166-1 alpha-3. */
  nationality?: string;
}

export type BirthDateAgreement = "EXACT" | "YEAR" | "CONFLICT" | "UNKNOWN";
export type NationalityAgreement = "MATCH" | "CONFLICT" | "UNKNOWN";

export interface ScreeningHit {
  entryId: string;
  source: SanctionsSource;
  reference: string;
  /** The list name (primary or alias) that matched best. */
  matchedName: string;
  /** Name similarity alone, in [0, 1]. */
  nameScore: number;
  /** Name score adjusted by the tie-breakers, in [0, 1]; a hit has score >= threshold. */
  score: number;
  dateOfBirth: BirthDateAgreement;
  nationality: NationalityAgreement;
}

export interface ScreeningResult {
  /** Best first; at most `maxHits`. */
  hits: readonly ScreeningHit[];
  listVersion: string;
  threshold: number;
}

export interface ScreeningOptions {
  /** Override the list's threshold for this call, in (0, 1]. */
  threshold?: number;
  /** Default 10. */
  maxHits?: number;
}

export interface SanctionsListInfo {
  version: string;
  entries: number;
  loadedAt: Date;
}

export interface SanctionsList {
  screen(query: ScreeningQuery, options?: ScreeningOptions): ScreeningResult;
  /**
   * Swaps in a new snapshot atomically once it is fully indexed; screenings meanwhile use the
   * previous one. Rejects (and keeps the previous one) if the snapshot is unusable.
   */
  reload(snapshot: SanctionsSnapshot): Promise<void>;
  info(): SanctionsListInfo;
}
