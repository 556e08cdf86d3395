/**
 * Every problem of a configuration at once, so an operator fixes the file in one pass instead of
 * one start-up per typo. Each problem has its JSON path (RFC 6901, as TypeBox reports it) and what
 * was expected; an unknown setting that looks like a known one gets a "did you mean" (`apiKey` at
 * the top → `api.apiKeys`). Values are never echoed: a secret put in the wrong place stays out of
 * logs. For a union (custody by `kind`) only the branch that fits best is reported, not why the
 * input fails every other branch.
 */
import { distance } from "fastest-levenshtein";
import { Kind, type TSchema } from "@sinclair/typebox";
import { ValueErrorType, type ValueError } from "@sinclair/typebox/errors";
import { Value } from "@sinclair/typebox/value";

export interface ConfigProblem {
  /** JSON pointer to the setting, e.g. /api/apiKeys/0/sha256; "" for the whole file. */
  path: string;
  /** What the setting should be. */
  expected: string;
  /** A known setting the unknown one is probably a typo of, as a dotted path. */
  didYouMean?: string;
}

/** The problems of `value` against `schema`, one per path, in the schema's order. */
export function configProblems(schema: TSchema, value: unknown): ConfigProblem[] {
  const byPath = new Map<string, string[]>();
  for (const error of flatten(Value.Errors(schema, value))) {
    const messages = byPath.get(error.path) ?? [];
    const message = describe(error);
    if (!messages.includes(message)) messages.push(message);
    byPath.set(error.path, messages);
  }
  const settings = settingPaths(schema);
  return [...byPath].map(([path, messages]) => {
    const problem: ConfigProblem = { path, expected: messages.join("; ") };
    if (messages[0] !== UNKNOWN) return problem;
    const guess = closestSetting(path, settings);
    return guess === undefined ? problem : { ...problem, didYouMean: guess };
  });
}

/** What is wrong with the setting, with the guess if there is one. */
export function problemReason(problem: ConfigProblem): string {
  if (problem.didYouMean === undefined) return problem.expected;
  return `${problem.expected} (did you mean ${problem.didYouMean}?)`;
}

/** One line per problem, for the error message and the operator's terminal. */
export function formatProblem(problem: ConfigProblem): string {
  return `${problem.path || "(root)"}: ${problemReason(problem)}`;
}

const UNKNOWN = "unknown setting";

function describe(error: ValueError): string {
  if (error.type === ValueErrorType.ObjectAdditionalProperties) return UNKNOWN;
  if (error.type === ValueErrorType.ObjectRequiredProperty) return "required setting is missing";
  const choices = error.type === ValueErrorType.Union ? literals(error.schema) : undefined;
  return choices === undefined ? error.message : `Expected one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`;
}

/** The values of a union of literals (log.level, api.apiKeys[].role), else undefined. */
function literals(schema: TSchema): unknown[] | undefined {
  const variants = schema.anyOf as TSchema[] | undefined;
  if (variants === undefined || !variants.every((v) => v[Kind] === "Literal")) return undefined;
  return variants.map((v) => v.const as unknown);
}

/**
 * A missing setting that has a default is no problem of its own: inside a union branch that does
 * not fit yet (custody with a typo), TypeBox fills no default and reports it missing.
 */
const isMissingWithDefault = (error: ValueError): boolean => error.value === undefined && "default" in error.schema;

/** The errors with each union replaced by those of its best-fitting branch (fewest errors). */
function flatten(errors: Iterable<ValueError>): ValueError[] {
  const out: ValueError[] = [];
  for (const error of errors) {
    if (isMissingWithDefault(error)) continue;
    if (error.type !== ValueErrorType.Union || error.errors.length === 0 || literals(error.schema) !== undefined) {
      out.push(error);
      continue;
    }
    const branches = error.errors.map((branch) => flatten(branch));
    const fewest = Math.min(...branches.map((b) => b.length));
    const best = branches.filter((b) => b.length === fewest);
    // Two branches fit equally well: neither is clearly meant, so report the union itself.
    if (best.length === 1 && fewest > 0) out.push(...(best[0] as ValueError[]));
    else out.push(error);
  }
  return out;
}

/** Dotted paths of every named setting in the schema (array items as their array's path). */
function settingPaths(schema: TSchema, prefix = ""): string[] {
  if (schema[Kind] === "Union") {
    return [...new Set((schema.anyOf as TSchema[]).flatMap((variant) => settingPaths(variant, prefix)))];
  }
  if (schema[Kind] === "Array") return settingPaths(schema.items as TSchema, prefix);
  if (schema[Kind] !== "Object") return [];
  return Object.entries(schema.properties as Record<string, TSchema>).flatMap(([key, property]) => {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    return [path, ...settingPaths(property, path)];
  });
}

/**
 * The known setting an unknown key most likely meant: same name up to a few edits (a third of
 * its length, at least one) or the start of a known name, preferring the key's own section, then
 * anywhere in the file.
 */
function closestSetting(pointer: string, settings: readonly string[]): string | undefined {
  const segments = pointer
    .split("/")
    .slice(1)
    .filter((s) => !/^\d+$/.test(s));
  const key = (segments.pop() ?? "").toLowerCase();
  const section = segments.join(".");
  const limit = Math.max(1, Math.floor(key.length / 3));
  // A key that starts a known name counts as a near miss too: `pin` → `custody.pinEnv`.
  const edits = (name: string) =>
    key.length >= 3 && name.startsWith(key) ? Math.min(limit, distance(key, name)) : distance(key, name);
  const scored = settings
    .map((setting) => ({ setting, edits: edits((setting.split(".").pop() ?? "").toLowerCase()) }))
    .filter(({ edits }) => edits <= limit);
  const parentOf = (setting: string) => setting.split(".").slice(0, -1).join(".");
  const rank = ({ setting, edits }: { setting: string; edits: number }) =>
    edits * 2 + (parentOf(setting) === section ? 0 : 1);
  return scored.sort((a, b) => rank(a) - rank(b))[0]?.setting;
}
