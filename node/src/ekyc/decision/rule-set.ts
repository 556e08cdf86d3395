/**
 * Rule sets are data (rules/v*.json), validated here into a typed, frozen `RuleSet`. A bank may
 * configure its own file; a file that is missing any reason code, has an unknown one, or has
 * nonsense bounds is refused with DECISION_RULES_INVALID rather than half-applied.
 */
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DOCUMENT_TYPES, RevocationReason, type DocumentType, type RevocationReasonName } from "@kycnet/sdk/protocol";
import { KycnetError } from "@kycnet/sdk/errors";
import { OUTCOMES, REASON_CODES, type Outcome, type ReasonCode } from "./reasons.ts";

export interface LevelRule {
  method: "FULL_EKYC" | "FULL_EKYC_NFC";
  dailyLimitVnd: string;
}

/**
 * What a node holding a REUSE attestation does when its source is revoked (docs/duplicate-identities.md §1):
 * revoke its own, open a SOURCE_REVOKED review case for a reviewer to decide, or raise an audited alert.
 */
export type SourceRevokedAction = "REVOKE" | "REVIEW" | "ALERT";

/**
 * Duplicate identities within the bank (issue 21): cosine similarities of face templates, calibrated
 * on the eval faces with a held-out split (bench/duplicate-thresholds.ts).
 */
export interface DuplicatePolicy {
  /** A face at or above this under another ID number is the same person (DUPLICATE_FACE_OTHER_ID). */
  sameFaceAtLeast: number;
  /** A face below this under the same ID number is another person (DUPLICATE_ID_OTHER_FACE). */
  otherFaceBelow: number;
}

/** Re-onboarding policy: what a relying bank checks again, and how it follows its sources. */
export interface ReusePolicy {
  /** Ask the national-ID registry again at reuse (a card reported lost since the source's check is caught). */
  recheckRegistry: boolean;
  /**
   * Per revocation reason of a source: revoke this bank's REUSE attestation with the same reason, or
   * raise an audited alert for an operator to decide. Reasons not listed: nothing.
   */
  onSourceRevoked: Readonly<Partial<Record<RevocationReasonName, SourceRevokedAction>>>;
}

export interface RuleSet {
  version: string;
  age: { minimumYears: number; adultYears: number; maximumYears: number };
  documentExpiry: { expiringSoonDays: number };
  /** Document types no longer valid after the given day (`YYYY-MM-DD`), whatever their printed expiry. */
  withdrawnDocumentTypes: Readonly<Partial<Record<DocumentType, string>>>;
  sanctions: { strongHitScore: number };
  reuse: ReusePolicy;
  duplicates: DuplicatePolicy;
  levels: { 1: LevelRule; 2: LevelRule };
  outcomes: Readonly<Record<ReasonCode, Outcome>>;
}

export class DecisionRulesInvalidError extends KycnetError {
  constructor(path: string, reason: string, options: { cause?: unknown } = {}) {
    super("DECISION_RULES_INVALID", `decision rule set invalid at ${path}: ${reason}`, {
      details: { path, reason },
      ...options,
    });
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

function obj(v: unknown, path: string): Obj {
  if (!isObj(v)) throw new DecisionRulesInvalidError(path, "must be an object");
  return v;
}
function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
    throw new DecisionRulesInvalidError(path, `must be an integer in [${min}, ${max}]`);
  return v;
}

function level(v: unknown, path: string, method: LevelRule["method"]): LevelRule {
  const o = obj(v, path);
  if (o.method !== method) throw new DecisionRulesInvalidError(`${path}.method`, `must be ${method}`);
  if (typeof o.dailyLimitVnd !== "string" || !/^[1-9]\d{0,18}$/.test(o.dailyLimitVnd)) {
    throw new DecisionRulesInvalidError(`${path}.dailyLimitVnd`, "must be a positive integer as a decimal string");
  }
  return { method, dailyLimitVnd: o.dailyLimitVnd };
}

function revocationReason(v: unknown, path: string): RevocationReasonName {
  if (typeof v !== "string" || !Object.hasOwn(RevocationReason, v))
    throw new DecisionRulesInvalidError(path, `must be one of ${Object.keys(RevocationReason).join(", ")}`);
  return v as RevocationReasonName;
}

function reusePolicy(v: unknown): ReusePolicy {
  const o = obj(v, "$.reuse");
  if (typeof o.recheckRegistry !== "boolean")
    throw new DecisionRulesInvalidError("$.reuse.recheckRegistry", "must be a boolean");
  const onSourceRevoked: Partial<Record<RevocationReasonName, SourceRevokedAction>> = {};
  for (const [reason, action] of Object.entries(obj(o.onSourceRevoked, "$.reuse.onSourceRevoked"))) {
    const path = `$.reuse.onSourceRevoked.${reason}`;
    if (action !== "REVOKE" && action !== "REVIEW" && action !== "ALERT")
      throw new DecisionRulesInvalidError(path, "must be REVOKE, REVIEW or ALERT");
    onSourceRevoked[revocationReason(reason, path)] = action;
  }
  return Object.freeze({
    recheckRegistry: o.recheckRegistry,
    onSourceRevoked: Object.freeze(onSourceRevoked),
  });
}

function duplicatePolicy(v: unknown): DuplicatePolicy {
  const o = obj(v, "$.duplicates");
  const similarity = (x: unknown, path: string) => {
    if (typeof x !== "number" || !(x > 0 && x <= 1))
      throw new DecisionRulesInvalidError(path, "must be a number in (0, 1]");
    return x;
  };
  const sameFaceAtLeast = similarity(o.sameFaceAtLeast, "$.duplicates.sameFaceAtLeast");
  const otherFaceBelow = similarity(o.otherFaceBelow, "$.duplicates.otherFaceBelow");
  if (otherFaceBelow > sameFaceAtLeast)
    throw new DecisionRulesInvalidError("$.duplicates.otherFaceBelow", "must not be above sameFaceAtLeast");
  return Object.freeze({ sameFaceAtLeast, otherFaceBelow });
}

/** Validates untrusted rule-set data. */
export function parseRuleSet(data: unknown): RuleSet {
  const root = obj(data, "$");
  if (typeof root.version !== "string" || !/^[\w.\-/@]{1,64}$/.test(root.version)) {
    throw new DecisionRulesInvalidError("$.version", "must be a short identifier string");
  }
  const age = obj(root.age, "$.age");
  const minimumYears = int(age.minimumYears, "$.age.minimumYears", 0, 30);
  const adultYears = int(age.adultYears, "$.age.adultYears", minimumYears, 30);
  const maximumYears = int(age.maximumYears, "$.age.maximumYears", adultYears + 1, 150);
  const expiringSoonDays = int(
    obj(root.documentExpiry, "$.documentExpiry").expiringSoonDays,
    "$.documentExpiry.expiringSoonDays",
    0,
    365,
  );
  const strongHitScore = obj(root.sanctions, "$.sanctions").strongHitScore;
  if (typeof strongHitScore !== "number" || !(strongHitScore > 0 && strongHitScore <= 1)) {
    throw new DecisionRulesInvalidError("$.sanctions.strongHitScore", "must be a number in (0, 1]");
  }
  const withdrawnIn = obj(root.withdrawnDocumentTypes, "$.withdrawnDocumentTypes");
  const withdrawnDocumentTypes: Partial<Record<DocumentType, string>> = {};
  for (const [type, day] of Object.entries(withdrawnIn)) {
    if (!(DOCUMENT_TYPES as readonly string[]).includes(type))
      throw new DecisionRulesInvalidError(`$.withdrawnDocumentTypes.${type}`, "unknown document type");
    if (typeof day !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
      throw new DecisionRulesInvalidError(`$.withdrawnDocumentTypes.${type}`, "must be a date YYYY-MM-DD");
    }
    withdrawnDocumentTypes[type as DocumentType] = day;
  }
  const levels = obj(root.levels, "$.levels");
  const outcomesIn = obj(root.outcomes, "$.outcomes");
  for (const key of Object.keys(outcomesIn)) {
    if (!(REASON_CODES as readonly string[]).includes(key))
      throw new DecisionRulesInvalidError(`$.outcomes.${key}`, "unknown reason code");
  }
  const outcomes = {} as Record<ReasonCode, Outcome>;
  for (const code of REASON_CODES) {
    const value = outcomesIn[code];
    if (!(OUTCOMES as readonly unknown[]).includes(value))
      throw new DecisionRulesInvalidError(`$.outcomes.${code}`, "must be PASS, REVIEW or REJECT");
    outcomes[code] = value as Outcome;
  }
  // These outcomes are safety properties, not preferences: a missing or failed check must never pass.
  for (const code of [
    "REGISTRY_UNAVAILABLE",
    "REGISTRY_NOT_FOUND",
    "REGISTRY_CARD_INVALID",
    // No authority confirmed a passport holder: a person must, so every member's passport
    // attestation was reviewed (re-onboarding relies on it: onboarding/reuse-registry.ts).
    "REGISTRY_NOT_APPLICABLE",
    "SANCTIONS_HIT",
    "SANCTIONS_HIT_STRONG",
    "SANCTIONS_NOT_SCREENED",
    "LIVENESS_FAILED",
    "FACE_MATCH_LOW",
    "DOCUMENT_EXPIRED",
  ] as const) {
    if (outcomes[code] === "PASS") throw new DecisionRulesInvalidError(`$.outcomes.${code}`, "may not be PASS");
  }
  return Object.freeze({
    version: root.version,
    age: Object.freeze({ minimumYears, adultYears, maximumYears }),
    documentExpiry: Object.freeze({ expiringSoonDays }),
    withdrawnDocumentTypes: Object.freeze(withdrawnDocumentTypes),
    sanctions: Object.freeze({ strongHitScore }),
    reuse: reusePolicy(root.reuse),
    duplicates: duplicatePolicy(root.duplicates),
    levels: Object.freeze({
      1: level(levels["1"], "$.levels.1", "FULL_EKYC"),
      2: level(levels["2"], "$.levels.2", "FULL_EKYC_NFC"),
    }),
    outcomes: Object.freeze(outcomes),
  });
}

/** A rule set is a few kilobytes; anything far larger is not one. */
const MAX_RULE_FILE_BYTES = 256 * 1024;

/** Reads and validates a rule-set file. */
export function loadRuleSetFile(path: string): RuleSet {
  let data: unknown;
  try {
    if (statSync(path).size > MAX_RULE_FILE_BYTES)
      throw new DecisionRulesInvalidError("$", `file larger than ${MAX_RULE_FILE_BYTES} bytes`);
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    if (cause instanceof DecisionRulesInvalidError) throw cause;
    throw new DecisionRulesInvalidError("$", "file is not readable JSON", { cause });
  }
  return parseRuleSet(data);
}

/** The rule set shipped with this version of kycnet. */
export const RULES_V1: RuleSet = loadRuleSetFile(fileURLToPath(new URL("./rules/v1.json", import.meta.url)));
