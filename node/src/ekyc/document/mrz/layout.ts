/**
 * The ICAO 9303 shapes we read (TD1: ID cards, 3 × 30; TD2: 2 × 36, also MRV-B visas; TD3:
 * passports, 2 × 44, also MRV-A visas) and
 * where each field sits in them. Positions come from the `mrz` package's own field tables rather
 * than a copy of ours: it exports none, so one parse of an all-filler MRZ of each shape lists
 * every field with its ranges. The parser (parse.ts) and the reader's per-position character sets
 * (repair.ts) therefore cannot disagree. The reader (read.ts) decodes all three.
 */
import { parse, type FieldName } from "mrz";
import { MrzFormatError } from "../errors.ts";

export type MrzFormat = "TD1" | "TD2" | "TD3";

export const SHAPES: Record<MrzFormat, { lines: number; length: number }> = {
  TD1: { lines: 3, length: 30 },
  TD2: { lines: 2, length: 36 },
  TD3: { lines: 2, length: 44 },
};

/** Characters [start, end) of one line. */
export interface Span {
  line: number;
  start: number;
  end: number;
}

/**
 * Each field's spans: the first is the field itself; for a check digit the others are the
 * characters it protects (as the `mrz` package computes it, document-number overflow included).
 */
export type Layout = Partial<Record<FieldName, readonly Span[]>>;

function readLayout(format: MrzFormat): Layout {
  const { lines, length } = SHAPES[format];
  const result = parse(Array.from({ length: lines }, () => "<".repeat(length)));
  if (result.format !== format) throw new Error(`mrz package read an empty ${format} as ${result.format}`);
  const layout: Layout = {};
  for (const detail of result.details) {
    if (detail.field === null) continue;
    layout[detail.field] = detail.ranges.map(({ line, start, end }) => ({ line, start, end }));
  }
  return layout;
}

export const LAYOUTS: Record<MrzFormat, Layout> = {
  TD1: readLayout("TD1"),
  TD2: readLayout("TD2"),
  TD3: readLayout("TD3"),
};

/** The field's own span (its first range); throws if the format has no such field. */
export function fieldSpan(format: MrzFormat, field: FieldName): Span {
  const span = LAYOUTS[format][field]?.[0];
  if (span === undefined) throw new Error(`${format} has no MRZ field ${field}`);
  return span;
}

export function detectFormat(lines: readonly string[]): MrzFormat {
  const format = (Object.keys(SHAPES) as MrzFormat[]).find(
    (f) => lines.length === SHAPES[f].lines && lines.every((l) => l.length === SHAPES[f].length),
  );
  if (format !== undefined) return format;
  const got = lines.map((l) => l.length).join("/");
  throw new MrzFormatError(`expected 3 lines of 30 (TD1), 2 of 36 (TD2) or 2 of 44 (TD3), got ${got}`);
}
