/**
 * The Logical Data Structure of ICAO 9303 part 10: which elementary file holds what, its outer tag,
 * and how files are named on disk (`EF_DG1.bin`, `DG1`, `ef_sod.BIN` … all name the same file).
 */
export type DataGroupNumber = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16;
export type ElementaryFileId = "COM" | "SOD" | `DG${DataGroupNumber}`;

/** Outer tag of each data group (part 10 §4.6.1). */
export const DATA_GROUP_TAGS: Readonly<Record<DataGroupNumber, number>> = {
  1: 0x61,
  2: 0x75,
  3: 0x63,
  4: 0x76,
  5: 0x65,
  6: 0x66,
  7: 0x67,
  8: 0x68,
  9: 0x69,
  10: 0x6a,
  11: 0x6b,
  12: 0x6c,
  13: 0x6d,
  14: 0x6e,
  15: 0x6f,
  16: 0x70,
};
export const COM_TAG = 0x60;
export const SOD_TAG = 0x77;

export const isDataGroupNumber = (n: number): n is DataGroupNumber => Number.isInteger(n) && n >= 1 && n <= 16;

/** The data group whose outer tag this is, or null. */
export function dataGroupForTag(tag: number): DataGroupNumber | null {
  for (const [n, t] of Object.entries(DATA_GROUP_TAGS)) if (t === tag) return Number(n) as DataGroupNumber;
  return null;
}

/**
 * The elementary file a file name stands for, or null: `EF_DG2.bin`, `EF_DG2`, `DG2.bin`, `dg2`,
 * `EF.SOD`, `SOD` (case-insensitive; the `EF_`/`EF.` prefix and the `.bin` suffix are optional).
 */
export function elementaryFileForName(name: string): ElementaryFileId | null {
  const m = /^(?:ef[_.-]?)?(com|sod|dg(\d{1,2}))(?:\.bin)?$/i.exec(name.trim());
  if (m === null) return null;
  if (m[2] === undefined) return m[1]!.toUpperCase() as "COM" | "SOD";
  const n = Number(m[2]);
  return isDataGroupNumber(n) && String(n) === m[2] ? `DG${n}` : null;
}

export const dataGroupNumberOf = (id: ElementaryFileId): DataGroupNumber | null =>
  id.startsWith("DG") ? (Number(id.slice(2)) as DataGroupNumber) : null;

/** The elementary files of one chip as read, by file id. */
export type ChipFiles = Partial<Record<ElementaryFileId, Uint8Array>>;
