/**
 * ICAO 9303 TD1 machine readable zone for a synthetic CCCD (3 lines of 30 characters).
 * Written independently of the reader's parser on purpose, so the tests compare two
 * implementations instead of one with itself.
 */
import type { SyntheticPerson } from "./people.ts";

const WEIGHTS = [7, 3, 1];

export function checkDigit(field: string): string {
  let sum = 0;
  for (let i = 0; i < field.length; i++) {
    const c = field.charCodeAt(i);
    const value = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 90 ? c - 55 : 0;
    sum += value * (WEIGHTS[i % 3] ?? 0);
  }
  return String(sum % 10);
}

/** Upper-case A–Z only: diacritics removed, Đ → D, spaces → "<". */
export function mrzName(text: string): string {
  return text
    .replace(/đ/gi, "D")
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toUpperCase()
    .replace(/[^A-Z ]/g, "")
    .trim()
    .replace(/\s+/g, "<");
}

const yymmdd = (isoDate: string): string => (isoDate === "" ? "<<<<<<" : isoDate.slice(2).replaceAll("-", ""));

export function td1Lines(p: SyntheticPerson): [string, string, string] {
  const documentNumber = p.idNumber.slice(3);
  const optional1 = p.idNumber.padEnd(15, "<");
  const line1 = `IDVNM${documentNumber}${checkDigit(documentNumber)}${optional1}`;
  const birth = yymmdd(p.dateOfBirth);
  const expiry = yymmdd(p.expiryDate);
  const line2Head = `${birth}${checkDigit(birth)}${p.sex}${expiry}${checkDigit(expiry)}VNM${"<".repeat(11)}`;
  const composite = checkDigit(
    line1.slice(5, 30) + line2Head.slice(0, 7) + line2Head.slice(8, 15) + line2Head.slice(18, 29),
  );
  const line2 = `${line2Head}${composite}`;
  const [surname = "", ...given] = p.fullName.split(" ");
  const line3 = `${mrzName(surname)}<<${mrzName(given.join(" "))}`.padEnd(30, "<").slice(0, 30);
  return [line1, line2, line3];
}
