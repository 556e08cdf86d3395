/**
 * Name normalisation for screening, Vietnamese-aware: Unicode NFD with combining marks removed
 * (so "Nguyễn" and "Nguyen" meet), đ/Đ → d (a letter of its own, not a mark; likewise ø, æ, ß...), case folded,
 * punctuation and digits treated as separators ("NGUYEN, Van-Minh" → nguyen van minh), which also
 * defuses markup or SQL fragments in names. Order is kept; the scorer ignores it.
 */
import { InvalidArgumentError } from "@kycnet/sdk/errors";

/** Longest name we screen, in UTF-16 units; longer input is refused (no unbounded work). */
export const MAX_SCREENED_NAME_LENGTH = 256;
/** Most tokens considered from one name. */
export const MAX_NAME_TOKENS = 12;

/**
 * Letters that are not a base letter plus marks, so NFD leaves them whole: đ (Vietnamese), and the
 * Latin letters lists use for European names. Ð/ð (eth) is often typed for Đ, so it folds to d too.
 */
const STANDALONE_LETTERS: Readonly<Record<string, string>> = {
  đ: "d",
  Đ: "d",
  ð: "d",
  Ð: "d",
  ø: "o",
  Ø: "o",
  æ: "ae",
  Æ: "ae",
  œ: "oe",
  Œ: "oe",
  ß: "ss",
  ł: "l",
  Ł: "l",
  ı: "i",
  þ: "th",
  Þ: "th",
};

export function foldName(name: string): string {
  return name
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .replace(/[đĐðÐøØæÆœŒßłŁıþÞ]/gu, (ch) => STANDALONE_LETTERS[ch] ?? ch)
    .toLowerCase()
    .replace(/[^a-z]+/gu, " ")
    .trim();
}

/** Folded tokens of a name from a list (trusted bounds: truncated, not refused). */
export function nameTokens(name: string): string[] {
  const folded = foldName(name.slice(0, MAX_SCREENED_NAME_LENGTH * 2));
  return folded === "" ? [] : folded.split(" ").slice(0, MAX_NAME_TOKENS);
}

/** Folded tokens of a customer name; hostile input gets an InvalidArgumentError. */
export function queryTokens(name: unknown): string[] {
  if (typeof name !== "string") throw new InvalidArgumentError("fullName", "must be a string");
  if (name.length > MAX_SCREENED_NAME_LENGTH)
    throw new InvalidArgumentError("fullName", `longer than ${MAX_SCREENED_NAME_LENGTH} characters`);
  if (/\p{Cc}/u.test(name)) throw new InvalidArgumentError("fullName", "contains control characters");
  const folded = foldName(name);
  const tokens = folded === "" ? [] : folded.split(" ");
  if (tokens.length === 0) throw new InvalidArgumentError("fullName", "has no letters");
  if (tokens.length > MAX_NAME_TOKENS)
    throw new InvalidArgumentError("fullName", `more than ${MAX_NAME_TOKENS} name parts`);
  return tokens;
}
