/**
 * The `NationalIdRegistry` port: the bank's question to the national population database (the
 * C06 check of seed 003) "does this card number exist, and do the name and date of birth we read
 * match what the state holds?", and, when a portrait is sent, "is this the face in your photo?"
 * (seed 003 §2.4: the registry compares it with its own photo, which never leaves the registry;
 * the node sends the portrait and only learns MATCH or MISMATCH). Adapters: `http-adapter.ts` (a real registry endpoint, or our
 * simulator) and `fake.ts` (in memory). Both pass the one compliance suite.
 *
 * The answer is a value, never an exception, for every outcome of the *registry*: MATCH,
 * MISMATCH (which fields), CARD_INVALID (reported lost, stolen or cancelled), NOT_FOUND, and UNAVAILABLE (timeout, 5xx, circuit open, a response
 * that breaks the schema). UNAVAILABLE carries the typed error so the decision engine can send
 * the case to manual review: an unreachable registry must never read as a pass. Bad *input* from
 * our own caller throws `InvalidArgumentError`.
 */
import type { KycnetError } from "@kycnet/sdk/errors";

/**
 * Fields the registry compares; the same names as the canonical record (docs/protocol.md §2), and
 * `portrait`: the face sent did not match the registry's photo of the citizen.
 */
export const COMPARED_FIELDS = ["fullName", "dateOfBirth", "sex", "address", "portrait"] as const;
export type ComparedField = (typeof COMPARED_FIELDS)[number];

/** A query: exactly one of `idNumber` (12 digits) or `oldIdNumber` (9 digits, CMND). */
export interface IdentityQuery {
  idNumber?: string;
  oldIdNumber?: string;
  fullName: string;
  /** `YYYY-MM-DD`. */
  dateOfBirth: string;
  /** `M` | `F`, compared only when given ("" counts as not given). */
  sex?: string;
  /** Compared only when given ("" counts as not given), after whitespace and case folding. */
  address?: string;
  /**
   * A portrait to compare with the registry's photo of the citizen: JPEG or PNG bytes, at most
   * MAX_PORTRAIT_BYTES (query.ts). The chip's DG2 portrait at level 2; absent: no face comparison.
   */
  portrait?: Uint8Array;
}

export interface CheckOptions {
  /** Cancels the whole check (all attempts). */
  signal?: AbortSignal;
}

interface ResultBase {
  /**
   * Set when the query used a 9-digit old id that the registry knows: the 12-digit CCCD number it
   * was converted to. The old CMND is cancelled; the caller should re-check with this number.
   */
  suggestedIdNumber?: string;
}

/** Set (only) when the query carried a portrait. */
interface FaceComparison {
  /**
   * true: the registry compared the portrait with its photo (a MATCH then includes the face);
   * false: it could not (it holds no photo of the citizen, or did not say it compared), so the
   * answer says nothing about the face and must not count as a face match.
   */
  faceCompared?: boolean;
}

export interface MatchResult extends ResultBase, FaceComparison {
  status: "MATCH";
}
export interface MismatchResult extends ResultBase, FaceComparison {
  status: "MISMATCH";
  /** Which compared fields differ; never the registry's values (they are personal data). */
  fields: readonly ComparedField[];
}
/** Why a card the registry issued may no longer identify anyone (reported after issue). */
export const CARD_STATUSES = ["LOST", "STOLEN", "CANCELLED"] as const;
export type CardStatus = (typeof CARD_STATUSES)[number];

/** The id exists, but its card was reported lost or stolen, or cancelled: it must not identify anyone. */
export interface CardInvalidResult {
  status: "CARD_INVALID";
  cardStatus: CardStatus;
}
export interface NotFoundResult {
  status: "NOT_FOUND";
}
export interface UnavailableResult {
  status: "UNAVAILABLE";
  /** The stable code of `error` (REGISTRY_TIMEOUT, REGISTRY_SERVER_ERROR, REGISTRY_CIRCUIT_OPEN, ...). */
  code: string;
  error: KycnetError;
}

export type IdentityCheckResult = MatchResult | MismatchResult | CardInvalidResult | NotFoundResult | UnavailableResult;

export interface NationalIdRegistry {
  checkIdentity(query: IdentityQuery, options?: CheckOptions): Promise<IdentityCheckResult>;
}
