/**
 * From a query and an entry to a hit or nothing: best name similarity over the entry's names,
 * then the tie-breakers (date of birth, nationality) nudge the score, and the threshold decides.
 * Shared by both adapters so they cannot disagree.
 */
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { compareBirthDate } from "./birth-date.ts";
import { nameTokens, queryTokens } from "./normalise.ts";
import type { NationalityAgreement, SanctionsEntry, ScreeningHit, ScreeningOptions, ScreeningQuery } from "./port.ts";
import { nameSimilarity } from "./similarity.ts";

/** Default hit threshold on the adjusted score, chosen on the labelled pairs in the tests. */
export const DEFAULT_THRESHOLD = 0.9;
export const DEFAULT_MAX_HITS = 10;
export const MAX_HITS_LIMIT = 100;

/** Score adjustments by tie-breaker: agreement raises, contradiction lowers. */
export const TIE_BREAKERS = {
  dateOfBirth: { EXACT: 0.04, YEAR: 0.02, CONFLICT: -0.08, UNKNOWN: 0 },
  nationality: { MATCH: 0.02, CONFLICT: -0.04, UNKNOWN: 0 },
} as const;

/** The most the tie-breakers can add to a name score. */
export const MAX_TIE_BREAKER_BONUS = TIE_BREAKERS.dateOfBirth.EXACT + TIE_BREAKERS.nationality.MATCH;

/** An entry with its names tokenised once, at load time. */
export interface PreparedEntry {
  entry: SanctionsEntry;
  tokenisedNames: readonly (readonly string[])[];
}

export function prepareEntry(entry: SanctionsEntry): PreparedEntry {
  return { entry, tokenisedNames: entry.names.map((n) => nameTokens(n)) };
}

export interface PreparedQuery {
  tokens: readonly string[];
  dateOfBirth?: string;
  nationality?: string;
  threshold: number;
  maxHits: number;
}

export function prepareQuery(
  query: ScreeningQuery,
  options: ScreeningOptions,
  defaultThreshold: number,
): PreparedQuery {
  if (query === null || typeof query !== "object") throw new InvalidArgumentError("query", "must be an object");
  const tokens = queryTokens(query.fullName);
  const out: PreparedQuery = {
    tokens,
    threshold: options.threshold ?? defaultThreshold,
    maxHits: options.maxHits ?? DEFAULT_MAX_HITS,
  };
  if (!(out.threshold > 0 && out.threshold <= 1)) throw new InvalidArgumentError("threshold", "must be in (0, 1]");
  if (!Number.isInteger(out.maxHits) || out.maxHits < 1 || out.maxHits > MAX_HITS_LIMIT) {
    throw new InvalidArgumentError("maxHits", `must be an integer in [1, ${MAX_HITS_LIMIT}]`);
  }
  // Tie-breakers are optional: "" (a field the document stage could not read) means "not given".
  if (query.dateOfBirth !== undefined && query.dateOfBirth !== "") {
    if (typeof query.dateOfBirth !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(query.dateOfBirth)) {
      throw new InvalidArgumentError("dateOfBirth", "must be a date YYYY-MM-DD");
    }
    out.dateOfBirth = query.dateOfBirth;
  }
  if (query.nationality !== undefined && query.nationality !== "") {
    if (typeof query.nationality !== "string" || !/^[A-Z]{3}$/.test(query.nationality)) {
      throw new InvalidArgumentError("nationality", "must be an ISO 3166-1 alpha-3 code");
    }
    out.nationality = query.nationality;
  }
  return out;
}

function compareNationality(customer: string | undefined, listed: readonly string[]): NationalityAgreement {
  if (customer === undefined || listed.length === 0) return "UNKNOWN";
  return listed.includes(customer) ? "MATCH" : "CONFLICT";
}

/** The hit for one entry, or undefined when it scores below the threshold. */
export function scoreEntry(query: PreparedQuery, prepared: PreparedEntry): ScreeningHit | undefined {
  let nameScore = 0;
  let best = 0;
  for (let i = 0; i < prepared.tokenisedNames.length; i++) {
    const s = nameSimilarity(query.tokens, prepared.tokenisedNames[i] as readonly string[]);
    if (s > nameScore) {
      nameScore = s;
      best = i;
    }
  }
  // Below this, no tie-breaker can lift the score to the threshold.
  if (nameScore + MAX_TIE_BREAKER_BONUS < query.threshold) return undefined;
  const { entry } = prepared;
  const dateOfBirth = entry.kind === "INDIVIDUAL" ? compareBirthDate(query.dateOfBirth, entry.datesOfBirth) : "UNKNOWN";
  const nationality =
    entry.kind === "INDIVIDUAL" ? compareNationality(query.nationality, entry.nationalities) : "UNKNOWN";
  const adjusted = Math.min(
    1,
    Math.max(0, nameScore + TIE_BREAKERS.dateOfBirth[dateOfBirth] + TIE_BREAKERS.nationality[nationality]),
  );
  // The threshold applies to the exact score; rounding is for reports only.
  if (adjusted < query.threshold) return undefined;
  const score = Math.round(adjusted * 10_000) / 10_000;
  return {
    entryId: entry.id,
    source: entry.source,
    reference: entry.reference,
    matchedName: entry.names[best] as string,
    nameScore: Math.round(nameScore * 10_000) / 10_000,
    score,
    dateOfBirth,
    nationality,
  };
}

/** Best first, ties by entry id, so both adapters order identically. */
export function rankHits(hits: ScreeningHit[], maxHits: number): ScreeningHit[] {
  hits.sort((a, b) => b.score - a.score || (a.entryId < b.entryId ? -1 : a.entryId > b.entryId ? 1 : 0));
  return hits.slice(0, maxHits);
}
