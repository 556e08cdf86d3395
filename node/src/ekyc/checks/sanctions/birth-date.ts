/**
 * Dates of birth as lists print them, parsed into `BirthDateSpec`, and compared with a customer's
 * date of birth (a tie-breaker only: lists are often approximate).
 */
import type { BirthDateAgreement, BirthDateSpec } from "./port.ts";

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

function plausibleYear(y: number): boolean {
  return Number.isInteger(y) && y >= 1850 && y <= 2100;
}

function isoDate(y: number, m: number, d: number): string | undefined {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

export function yearSpec(fromYear: number, toYear = fromYear): BirthDateSpec | undefined {
  if (!plausibleYear(fromYear) || !plausibleYear(toYear) || toYear < fromYear) return undefined;
  return { fromYear, toYear };
}

/** `YYYY-MM-DD` (UN) → spec, or undefined. */
export function parseIsoBirthDate(text: string): BirthDateSpec | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text.trim());
  if (!m) return undefined;
  const y = Number(m[1]);
  const date = isoDate(y, Number(m[2]), Number(m[3]));
  return date !== undefined && plausibleYear(y) ? { fromYear: y, toYear: y, date } : undefined;
}

/**
 * OFAC forms: "15 Jul 1960", "Jul 1960", "1960", "circa 1960", "1955 to 1960",
 * "01 Jan 1955 to 31 Dec 1960"; anything else → undefined.
 */
export function parseOfacBirthDate(text: string): BirthDateSpec | undefined {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/^circa\s+/, "");
  const range = /^(?:.*?(\d{4}))\s+to\s+(?:.*?(\d{4}))$/.exec(t);
  if (range) return yearSpec(Number(range[1]), Number(range[2]));
  const full = /^(\d{1,2})\s+([a-z]{3})[a-z]*\.?\s+(\d{4})$/.exec(t);
  if (full) {
    const y = Number(full[3]);
    const month = MONTHS[full[2] as string];
    const date = month === undefined ? undefined : isoDate(y, month, Number(full[1]));
    return date !== undefined && plausibleYear(y) ? { fromYear: y, toYear: y, date } : undefined;
  }
  const monthYear = /^([a-z]{3})[a-z]*\.?\s+(\d{4})$/.exec(t);
  if (monthYear && MONTHS[monthYear[1] as string] !== undefined) return yearSpec(Number(monthYear[2]));
  const year = /^(\d{4})$/.exec(t);
  if (year) return yearSpec(Number(year[1]));
  return undefined;
}

/** How a customer's `YYYY-MM-DD` agrees with what the list says. */
export function compareBirthDate(customer: string | undefined, specs: readonly BirthDateSpec[]): BirthDateAgreement {
  if (customer === undefined || specs.length === 0) return "UNKNOWN";
  const year = Number(customer.slice(0, 4));
  let best: BirthDateAgreement = "CONFLICT";
  for (const spec of specs) {
    if (spec.date !== undefined && spec.date === customer) return "EXACT";
    if (year >= spec.fromYear && year <= spec.toYear) best = "YEAR";
  }
  return best;
}
