/**
 * Scans everything a chain makes public (every transaction's calldata, every receipt, every log)
 * for a person's values in every encoding a reader could try, and for values derivable from them:
 * dates equal to the birthday, the card's issue date or its expiry (± a day) in any uint field.
 * Issue 18 item 1: nothing personal may be derivable from the chain. Used by test/e2e/chain-scan.test.ts.
 */
import { createHash } from "node:crypto";
import { keccak256, toUtf8Bytes, type JsonRpcProvider } from "ethers";

/** One public blob: where it is, and its bytes as lower-case hex without 0x. */
export interface Haystack {
  readonly where: string;
  readonly hex: string;
  /** Offset (in bytes) from which the blob is a sequence of 32-byte ABI words (4 for calldata). */
  readonly wordsFrom: number;
}

/** A byte string that must not appear anywhere. */
export interface ByteNeedle {
  readonly name: string;
  readonly hex: string;
}

/** A value range that must not appear as any ABI word. */
export interface UintNeedle {
  readonly name: string;
  readonly min: bigint;
  /** Exclusive. */
  readonly max: bigint;
}

export interface Finding {
  readonly needle: string;
  readonly where: string;
}

/** The personal values to look for, as the sealed record holds them (docs/protocol.md §2). */
export interface PersonalValues {
  readonly strings: Readonly<Record<string, string>>;
  /** YYYY-MM-DD dates (birthday, issue, expiry). */
  readonly dates: Readonly<Record<string, string>>;
  /** Digit strings also looked for as numbers (ID numbers). */
  readonly numbers: Readonly<Record<string, string>>;
}

const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const utf8 = (s: string) => hexOf(toUtf8Bytes(s));
const sha256 = (hex: string) => createHash("sha256").update(Buffer.from(hex, "hex")).digest("hex");
const keccak = (hex: string) => keccak256(`0x${hex}`).slice(2);
const DAY = 86_400n;

/** Vietnamese diacritics folded away: NFD, combining marks dropped, đ → d. */
export const foldDiacritics = (s: string) =>
  s.normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/g, "d").replace(/Đ/g, "D");

/** Every spelling a reader could try for a text value. */
function spellings(value: string): string[] {
  const base = [value, value.normalize("NFC"), value.normalize("NFD"), foldDiacritics(value)];
  const all = base.flatMap((v) => [v, v.toUpperCase(), v.toLowerCase(), v.replace(/\s+/g, "")]);
  return [...new Set(all)];
}

/** Every text form of a YYYY-MM-DD date: ISO, compact, Vietnamese print, MRZ. */
function dateSpellings(iso: string): string[] {
  const [y, m, d] = iso.split("-") as [string, string, string];
  return [iso, `${y}${m}${d}`, `${d}/${m}/${y}`, `${d}${m}${y}`, `${y.slice(2)}${m}${d}`, `${d}-${m}-${y}`];
}

const midnight = (iso: string) => BigInt(Date.parse(`${iso}T00:00:00Z`) / 1000);

/** The byte needles (raw text in every spelling, and unsalted keccak256/sha256 of each) and the uint ranges. */
export function needlesOf(values: PersonalValues): { bytes: ByteNeedle[]; uints: UintNeedle[] } {
  const bytes: ByteNeedle[] = [];
  const addText = (name: string, texts: string[]) => {
    for (const text of texts) {
      // Shorter than 6 bytes a match is chance (and such values are shared by millions: "M", "VNM").
      if (toUtf8Bytes(text).length < 6) continue;
      const hex = utf8(text);
      bytes.push({ name: `${name} "${text}" utf8`, hex });
      bytes.push({ name: `${name} "${text}" keccak256`, hex: keccak(hex) });
      bytes.push({ name: `${name} "${text}" sha256`, hex: sha256(hex) });
    }
  };
  for (const [name, value] of Object.entries(values.strings)) if (value !== "") addText(name, spellings(value));
  for (const [name, iso] of Object.entries(values.dates)) if (iso !== "") addText(name, dateSpellings(iso));
  for (const [name, digits] of Object.entries(values.numbers)) if (digits !== "") addText(name, [digits]);

  const uints: UintNeedle[] = [];
  for (const [name, iso] of Object.entries(values.dates)) {
    if (iso === "") continue;
    const m = midnight(iso);
    uints.push({ name: `${name} ±1 day (unix seconds)`, min: m - DAY, max: m + 2n * DAY });
    uints.push({ name: `${name} ±1 day (unix ms)`, min: (m - DAY) * 1000n, max: (m + 2n * DAY) * 1000n });
    const compact = BigInt(iso.replaceAll("-", ""));
    uints.push({ name: `${name} as the number YYYYMMDD (±1)`, min: compact - 1n, max: compact + 2n });
  }
  for (const [name, digits] of Object.entries(values.numbers)) {
    if (digits === "") continue;
    uints.push({ name: `${name} as a number`, min: BigInt(digits), max: BigInt(digits) + 1n });
  }
  return { bytes, uints };
}

/** Byte needles at byte boundaries anywhere; uint needles as any 32-byte ABI word. */
export function scan(haystacks: readonly Haystack[], needles: ReturnType<typeof needlesOf>): Finding[] {
  const findings: Finding[] = [];
  for (const h of haystacks) {
    for (const n of needles.bytes) {
      for (let at = h.hex.indexOf(n.hex); at >= 0; at = h.hex.indexOf(n.hex, at + 1)) {
        if (at % 2 === 0) {
          findings.push({ needle: n.name, where: `${h.where} @byte ${at / 2}` });
          break;
        }
      }
    }
    for (let at = h.wordsFrom * 2; at + 64 <= h.hex.length; at += 64) {
      const word = BigInt(`0x${h.hex.slice(at, at + 64)}`);
      // Also as an int256: a birthday before 1970 is a negative number of seconds.
      const signed = word >= 1n << 255n ? word - (1n << 256n) : word;
      for (const n of needles.uints)
        if ((word >= n.min && word < n.max) || (signed >= n.min && signed < n.max))
          findings.push({ needle: n.name, where: `${h.where} word ${(at / 2 - h.wordsFrom) / 32} = ${word}` });
    }
  }
  return findings;
}

const strip = (hex: string) => hex.slice(2).toLowerCase();

/** Every transaction's calldata, and every receipt's logs (topics and data), from block 0 to the head. */
export async function collectHaystacks(provider: JsonRpcProvider): Promise<Haystack[]> {
  const haystacks: Haystack[] = [];
  const head = await provider.getBlockNumber();
  for (let n = 0; n <= head; n++) {
    const block = await provider.getBlock(n, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      const at = `block ${n} tx ${tx.hash.slice(0, 10)}`;
      // A contract creation's data is bytecode then constructor words: searched for bytes only.
      const creation = tx.to === null;
      haystacks.push({
        where: `${at} calldata`,
        hex: strip(tx.data),
        wordsFrom: creation ? (tx.data.length - 2) / 2 : 4,
      });
      const receipt = await provider.getTransactionReceipt(tx.hash);
      for (const log of receipt?.logs ?? []) {
        const where = `${at} log ${log.index}`;
        haystacks.push({ where: `${where} topics`, hex: log.topics.map(strip).join(""), wordsFrom: 0 });
        haystacks.push({ where: `${where} data`, hex: strip(log.data), wordsFrom: 0 });
      }
    }
  }
  return haystacks;
}
