/** Canonical field values (docs/protocol.md §2) and the comparisons the cross-check uses. */
// foldDiacritics (Đ → D, marks dropped) is the protocol's own, from the SDK: one definition for node and SDK.
import { foldDiacritics } from "@kycnet/sdk/protocol";

/** NFC, trimmed, inner white space folded to one space. */
export const canonicalText = (s: string): string => s.normalize("NFC").trim().replace(/\s+/g, " ");

/** Canonical full name: canonical text in upper case (Vietnamese casing rules). */
export const canonicalName = (s: string): string => canonicalText(s).toLocaleUpperCase("vi").normalize("NFC");

/** A real calendar date, or null. */
export function isoDate(year: number, month: number, day: number): string | null {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return null;
  if (year < 1900 || year > 2199 || month < 1 || month > 12 || day < 1) return null;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > last) return null;
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** `DDMMYYYY` or `DD/MM/YYYY` (also `-` or `.` separators) → `YYYY-MM-DD`, null if not a real date. */
export function parseDayMonthYear(s: string): string | null {
  const m = /^(\d{2})[/.-]?(\d{2})[/.-]?(\d{4})$/.exec(s.trim());
  if (m === null) return null;
  return isoDate(Number(m[3]), Number(m[2]), Number(m[1]));
}

/** "Nam" / "Nữ" (and MRZ M/F) → M / F, null otherwise. Tolerates missing diacritics. */
export function parseSex(s: string): "M" | "F" | null {
  const f = foldDiacritics(canonicalText(s)).toUpperCase();
  if (f === "NAM" || f === "M" || f === "MALE") return "M";
  if (f === "NU" || f === "F" || f === "FEMALE") return "F";
  return null;
}

/** Levenshtein distance, bounded inputs (field values are short). */
export function editDistance(a: string, b: string): number {
  const x = [...a].slice(0, 200),
    y = [...b].slice(0, 200);
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++)
      cur[j] = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[y.length] as number;
}

/** Whole years between a date of birth and `now`. */
export function ageAt(dateOfBirth: string, now: Date): number {
  const [y, m, d] = dateOfBirth.split("-").map(Number) as [number, number, number];
  let age = now.getUTCFullYear() - y;
  if (now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d)) age -= 1;
  return age;
}
