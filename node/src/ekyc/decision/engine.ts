/**
 * The eKYC decision: a pure function of the stage results, the day, and a rule set. Every rule
 * that fires adds a coded reason whose outcome comes from the rule set; the decision is the most
 * severe outcome (REJECT > REVIEW > PASS). The result records the rule-set version so an auditor
 * can replay it. The assurance level follows the seed's eKYC levels: level 2 (500M VND/day) needs
 * verified chip data, a chip card, a registry MATCH (including the registry's comparison of the
 * chip portrait with its photo, when one was sent) and an accepted face match; otherwise level 1
 * (100M VND/day).
 */
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { DOCUMENT_TYPES } from "@kycnet/sdk/protocol";
import { OUTCOME_RANK, type Outcome, type ReasonCode } from "./reasons.ts";
import { RULES_V1, type RuleSet } from "./rule-set.ts";
import type {
  DecisionInput,
  DecisionResult,
  DuplicateFinding,
  Reason,
  ReasonDetail,
  ScreeningAssessment,
} from "./types.ts";

interface Day {
  y: number;
  m: number;
  d: number;
  epochDay: number;
}

function parseDay(value: unknown, field: string, optional = false): Day | undefined {
  if (optional && value === "") return undefined;
  if (typeof value !== "string") throw new InvalidArgumentError(field, "must be a date YYYY-MM-DD");
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) throw new InvalidArgumentError(field, "must be a date YYYY-MM-DD");
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const time = Date.UTC(y, mo - 1, d);
  const date = new Date(time);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) {
    throw new InvalidArgumentError(field, "is not a real calendar date");
  }
  return { y, m: mo, d, epochDay: time / 86_400_000 };
}

/** Completed years between birth and `asOf` (a birthday on 29 Feb counts on 1 Mar in other years). */
export function ageInYears(
  birth: { y: number; m: number; d: number },
  asOf: { y: number; m: number; d: number },
): number {
  const hadBirthday = asOf.m > birth.m || (asOf.m === birth.m && asOf.d >= birth.d);
  return asOf.y - birth.y - (hadBirthday ? 0 : 1);
}

function assertInput(input: DecisionInput): void {
  if (input === null || typeof input !== "object") throw new InvalidArgumentError("input", "must be an object");
  for (const key of ["document", "biometric", "registry"] as const) {
    if (input[key] === null || typeof input[key] !== "object") throw new InvalidArgumentError(key, "must be an object");
  }
  if (input.screening !== null && (typeof input.screening !== "object" || !Array.isArray(input.screening.hits))) {
    throw new InvalidArgumentError("screening", "must be a screening result or null");
  }
  const { document, biometric, registry } = input;
  if (document.fields === null || typeof document.fields !== "object")
    throw new InvalidArgumentError("document.fields", "must be an object");
  if (!(DOCUMENT_TYPES as readonly string[]).includes(document.fields.documentType)) {
    throw new InvalidArgumentError("document.fields.documentType", `must be one of ${DOCUMENT_TYPES.join(", ")}`);
  }
  if (!Array.isArray(document.disagreements))
    throw new InvalidArgumentError("document.disagreements", "must be an array");
  if (!Array.isArray(document.tamperSignals))
    throw new InvalidArgumentError("document.tamperSignals", "must be an array");
  if (typeof document.chipVerified !== "boolean")
    throw new InvalidArgumentError("document.chipVerified", "must be a boolean");
  if (!["ACCEPT", "REVIEW", "REJECT"].includes(biometric.similarityBand)) {
    throw new InvalidArgumentError("biometric.similarityBand", "must be ACCEPT, REVIEW or REJECT");
  }
  if (typeof biometric.livenessPassed !== "boolean")
    throw new InvalidArgumentError("biometric.livenessPassed", "must be a boolean");
  if (typeof biometric.replaySuspected !== "boolean")
    throw new InvalidArgumentError("biometric.replaySuspected", "must be a boolean");
  if (!["MATCH", "MISMATCH", "CARD_INVALID", "NOT_FOUND", "UNAVAILABLE", "NOT_APPLICABLE"].includes(registry.status)) {
    throw new InvalidArgumentError(
      "registry.status",
      "must be MATCH, MISMATCH, CARD_INVALID, NOT_FOUND, UNAVAILABLE or NOT_APPLICABLE",
    );
  }
  // Only a passport's holder is outside the citizens' registry: a card never skips the check.
  if (registry.status === "NOT_APPLICABLE" && document.fields.documentType !== "PASSPORT")
    throw new InvalidArgumentError("registry.status", "NOT_APPLICABLE is for a PASSPORT only");
  if (registry.faceCompared !== undefined && typeof registry.faceCompared !== "boolean")
    throw new InvalidArgumentError("registry.faceCompared", "must be a boolean when given");
  if (input.duplicates !== undefined && !Array.isArray(input.duplicates))
    throw new InvalidArgumentError("duplicates", "must be an array when given");
}

/** Records that a rule fired, with its outcome under the rule set. */
type Fire = (code: ReasonCode, detail?: ReasonDetail) => void;

/** Decides one onboarding. Throws InvalidArgumentError on malformed input; never on a rule outcome. */
export function decide(input: DecisionInput, rules: RuleSet = RULES_V1): DecisionResult {
  assertInput(input);
  const asOf = parseDay(input.asOf, "asOf") as Day;
  // "" = the document stage could not read it: a reason for review, not a malformed input.
  const birth = parseDay(input.document.fields.dateOfBirth, "document.fields.dateOfBirth", true);
  const expiry = parseDay(input.document.fields.expiryDate, "document.fields.expiryDate", true);
  const { reasons, fire } = reasonsUnder(rules);
  const { document, biometric, registry, screening } = input;

  documentRules(input, expiry, asOf, rules, fire);
  biometricRules(biometric, fire);
  registryRules(registry, fire);
  screeningRules(screening, rules, fire);
  ageRules(birth, asOf, rules, fire);
  duplicateRules(input.duplicates ?? [], fire);

  const decision = mostSevere(reasons);
  const base = { decision, reasons, ruleSetVersion: rules.version, asOf: input.asOf };
  if (decision === "REJECT") return { ...base, assuranceLevel: null, method: null, dailyLimitVnd: null };
  const chipClean =
    document.chip === undefined || (document.chip.failures.length === 0 && document.chip.mismatches.length === 0);
  const level2 =
    document.chipVerified &&
    chipClean &&
    document.fields.documentType === "CCCD_CHIP" &&
    registry.status === "MATCH" &&
    registry.suggestedIdNumber === undefined &&
    registry.faceCompared !== false &&
    biometric.similarityBand === "ACCEPT";
  const level = level2 ? 2 : 1;
  return {
    ...base,
    assuranceLevel: level,
    method: rules.levels[level].method,
    dailyLimitVnd: rules.levels[level].dailyLimitVnd,
  };
}

/**
 * Decides a standing customer's re-screening after the sanctions lists changed (issue 21): the
 * onboarding's screening rule alone, since nothing else about the customer was observed again. The
 * customer keeps the level they hold; a hit is REVIEW (or what the rule set maps it to), else PASS.
 */
export function decideRescreening(
  screening: ScreeningAssessment,
  held: { asOf: string; assuranceLevel: 1 | 2 },
  rules: RuleSet = RULES_V1,
): DecisionResult {
  parseDay(held.asOf, "asOf");
  const { reasons, fire } = reasonsUnder(rules);
  screeningRules(screening, rules, fire);
  const decision = mostSevere(reasons);
  const base = { decision, reasons, ruleSetVersion: rules.version, asOf: held.asOf };
  if (decision === "REJECT") return { ...base, assuranceLevel: null, method: null, dailyLimitVnd: null };
  const level = rules.levels[held.assuranceLevel];
  return { ...base, assuranceLevel: held.assuranceLevel, method: level.method, dailyLimitVnd: level.dailyLimitVnd };
}

/**
 * A re-onboarding whose source attestation was revoked, under a policy that sends it to a reviewer
 * (rule set `reuse.onSourceRevoked: REVIEW`): SOURCE_ATTESTATION_REVOKED with the source and its
 * reason. The customer keeps the level they hold until the reviewer decides.
 */
export function decideSourceRevoked(
  source: { sourceUid: string; sourceReason: string },
  held: { asOf: string; assuranceLevel: 1 | 2 },
  rules: RuleSet = RULES_V1,
): DecisionResult {
  parseDay(held.asOf, "asOf");
  const { reasons, fire } = reasonsUnder(rules);
  fire("SOURCE_ATTESTATION_REVOKED", { sourceUid: source.sourceUid, sourceReason: source.sourceReason });
  const decision = mostSevere(reasons);
  const base = { decision, reasons, ruleSetVersion: rules.version, asOf: held.asOf };
  if (decision === "REJECT") return { ...base, assuranceLevel: null, method: null, dailyLimitVnd: null };
  const level = rules.levels[held.assuranceLevel];
  return { ...base, assuranceLevel: held.assuranceLevel, method: level.method, dailyLimitVnd: level.dailyLimitVnd };
}

/** The reasons fired so far, each with its outcome under `rules`. */
function reasonsUnder(rules: RuleSet): { reasons: Reason[]; fire: Fire } {
  const reasons: Reason[] = [];
  const fire: Fire = (code, detail) => {
    reasons.push(
      detail === undefined ? { code, outcome: rules.outcomes[code] } : { code, outcome: rules.outcomes[code], detail },
    );
  };
  return { reasons, fire };
}

const mostSevere = (reasons: readonly Reason[]): Outcome =>
  reasons.reduce<Outcome>((worst, r) => (OUTCOME_RANK[r.outcome] > OUTCOME_RANK[worst] ? r.outcome : worst), "PASS");

/** Document layer: validity, withdrawn types, disagreeing readings, tamper signals. */
function documentRules(input: DecisionInput, expiry: Day | undefined, asOf: Day, rules: RuleSet, fire: Fire): void {
  const { document } = input;
  if (expiry !== undefined) {
    const daysLeft = expiry.epochDay - asOf.epochDay;
    if (daysLeft < 0) fire("DOCUMENT_EXPIRED", { expiryDate: input.document.fields.expiryDate });
    else if (daysLeft <= rules.documentExpiry.expiringSoonDays) fire("DOCUMENT_EXPIRING_SOON", { daysLeft });
  }
  const withdrawnAfter = rules.withdrawnDocumentTypes[document.fields.documentType];
  if (withdrawnAfter !== undefined && input.asOf > withdrawnAfter) {
    fire("DOCUMENT_TYPE_WITHDRAWN", { documentType: document.fields.documentType, validUntil: withdrawnAfter });
  }
  if (document.disagreements.length > 0)
    fire("DOCUMENT_FIELDS_DISAGREE", { fields: document.disagreements.map((d) => d.field) });
  const high = document.tamperSignals.filter((s) => s.severity === "HIGH").map((s) => s.code);
  const low = document.tamperSignals.filter((s) => s.severity !== "HIGH").map((s) => s.code);
  if (high.length > 0) fire("DOCUMENT_TAMPER_LIKELY", { signals: high });
  if (low.length > 0) fire("DOCUMENT_TAMPER_SUSPECTED", { signals: low });
  chipRules(document, fire);
  correctionRules(document, fire);
}

/** The customer's corrections: of a machine-read field, under the rules' outcome (REVIEW in 1.5.0); of printed text, informational. */
function correctionRules(document: DecisionInput["document"], fire: Fire): void {
  const corrections = document.corrections ?? [];
  const machine = corrections.filter((c) => c.machineRead).map((c) => c.field);
  const printed = corrections.filter((c) => !c.machineRead).map((c) => c.field);
  if (machine.length > 0) fire("FIELD_CORRECTED_MACHINE_READ", { fields: machine });
  if (printed.length > 0) fire("FIELD_CORRECTED_PRINTED", { fields: printed });
}

/** The chip: its own checks failed (forged, altered, cloned), or the card says something else than it. */
function chipRules(document: DecisionInput["document"], fire: Fire): void {
  if (document.chip === undefined) return;
  if (document.chip.failures.length > 0) fire("CHIP_INVALID", { failures: [...new Set(document.chip.failures)] });
  for (const m of document.chip.mismatches) fire("CHIP_CARD_MISMATCH", { field: m.field, sources: m.sources });
}

function biometricRules(biometric: DecisionInput["biometric"], fire: Fire): void {
  const similarity: ReasonDetail | undefined =
    biometric.similarity === undefined ? undefined : { similarity: biometric.similarity };
  if (biometric.similarityBand === "REJECT") fire("FACE_MATCH_LOW", similarity);
  if (biometric.similarityBand === "REVIEW") fire("FACE_MATCH_BORDERLINE", similarity);
  if (!biometric.livenessPassed) fire("LIVENESS_FAILED");
  if (biometric.replaySuspected) fire("REPLAY_SUSPECTED");
}

function registryRules(registry: DecisionInput["registry"], fire: Fire): void {
  switch (registry.status) {
    case "MISMATCH":
      fire("REGISTRY_MISMATCH", { fields: [...(registry.fields ?? [])] });
      break;
    case "CARD_INVALID":
      fire("REGISTRY_CARD_INVALID", { cardStatus: registry.cardStatus ?? "UNKNOWN" });
      break;
    case "NOT_FOUND":
      fire("REGISTRY_NOT_FOUND");
      break;
    case "UNAVAILABLE":
      fire("REGISTRY_UNAVAILABLE", { code: registry.code ?? "UNKNOWN" });
      break;
    case "NOT_APPLICABLE":
      fire("REGISTRY_NOT_APPLICABLE");
      break;
    case "MATCH":
      break;
  }
  if (registry.suggestedIdNumber !== undefined) fire("REGISTRY_OLD_ID_CONVERTED");
}

function screeningRules(screening: DecisionInput["screening"], rules: RuleSet, fire: Fire): void {
  if (screening === null) fire("SANCTIONS_NOT_SCREENED");
  else if (screening.hits.length > 0) {
    const entries = screening.hits.map((h) => h.entryId);
    const strong = screening.hits.some((h) => h.score >= rules.sanctions.strongHitScore && h.dateOfBirth === "EXACT");
    fire(strong ? "SANCTIONS_HIT_STRONG" : "SANCTIONS_HIT", { entries, listVersion: screening.listVersion });
  }
}

/** Duplicate identities: one reason per kind, naming the other attestations and the closest score. */
function duplicateRules(findings: readonly DuplicateFinding[], fire: Fire): void {
  const rounded = (x: number) => Math.round(x * 1000) / 1000;
  const sameId = findings.filter((f) => f.kind === "SAME_ID_OTHER_FACE");
  const sameFace = findings.filter((f) => f.kind === "SAME_FACE_OTHER_ID");
  if (sameId.length > 0)
    fire("DUPLICATE_ID_OTHER_FACE", {
      attestations: sameId.map((f) => f.otherUid),
      similarity: rounded(Math.min(...sameId.map((f) => f.similarity))),
    });
  if (sameFace.length > 0)
    fire("DUPLICATE_FACE_OTHER_ID", {
      attestations: sameFace.map((f) => f.otherUid),
      similarity: rounded(Math.max(...sameFace.map((f) => f.similarity))),
    });
}

/** Risk: age. */
function ageRules(birth: Day | undefined, asOf: Day, rules: RuleSet, fire: Fire): void {
  if (birth === undefined) fire("DOCUMENT_FIELD_MISSING", { fields: ["dateOfBirth"] });
  else {
    const age = ageInYears(birth, asOf);
    if (birth.epochDay > asOf.epochDay || age > rules.age.maximumYears) fire("DATE_OF_BIRTH_INVALID");
    else if (age < rules.age.minimumYears) fire("AGE_BELOW_MINIMUM", { age, minimumYears: rules.age.minimumYears });
    else if (age < rules.age.adultYears) fire("AGE_MINOR", { age, adultYears: rules.age.adultYears });
  }
}
