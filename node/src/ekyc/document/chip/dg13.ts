/**
 * EF.DG13 of the Vietnamese CCCD (tag 0x6D): personal data in Vietnamese, in a layout that is not
 * part of ICAO 9303 and that public CCCD reader projects document as a list of SEQUENCEs, each
 * opening with a small INTEGER naming the field, followed by its value(s) as UTF-8 strings:
 *
 *   1 id number · 2 full name · 3 date of birth (dd/mm/yyyy) · 4 sex (Nam/Nữ) · 5 nationality ·
 *   6 ethnicity · 7 religion · 8 place of origin · 9 place of residence · 10 identifying marks ·
 *   11 issue date · 12 expiry date · 13 parents (father, then mother, possibly in nested SEQUENCEs) ·
 *   14 spouse · 16 old (CMND) id number
 *
 * Values are collected wherever they sit under their field's SEQUENCE (readers disagree on the
 * nesting of field 13), in order. Unknown field numbers are kept in `otherFields`.
 */
import * as asn1js from "asn1js";
import { canonicalText, parseDayMonthYear, parseSex } from "../canonical.ts";
import { childrenOf, decodeDer, expectOuterTag } from "./der.ts";
import { ChipFileError } from "./errors.ts";
import { DATA_GROUP_TAGS } from "./lds.ts";
import { DEFAULT_CHIP_LIMITS, type ChipLimits } from "./limits.ts";

const FILE = "EF.DG13";

export interface VietnameseChipData {
  idNumber: string | null;
  fullName: string | null;
  /** YYYY-MM-DD (null when absent or not a date; the raw text stays in `raw`). */
  dateOfBirth: string | null;
  sex: "M" | "F" | null;
  nationality: string | null;
  ethnicity: string | null;
  religion: string | null;
  placeOfOrigin: string | null;
  placeOfResidence: string | null;
  identifyingMarks: string | null;
  issueDate: string | null;
  /** YYYY-MM-DD; null also for cards without expiry ("Không thời hạn"). */
  expiryDate: string | null;
  fatherName: string | null;
  motherName: string | null;
  spouseName: string | null;
  oldIdNumber: string | null;
  /** Every field's strings as read, by field number. */
  raw: Readonly<Record<number, readonly string[]>>;
  otherFields: readonly number[];
}

const KNOWN_FIELDS = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16]);

export class Dg13File {
  private constructor(readonly data: VietnameseChipData) {}

  static parse(bytes: Uint8Array, limits: ChipLimits = DEFAULT_CHIP_LIMITS): Dg13File {
    const outer = expectOuterTag(
      FILE,
      decodeDer(FILE, bytes, { maxBytes: limits.maxFileBytes, maxDepth: limits.maxDepth }),
      DATA_GROUP_TAGS[13],
    );
    const raw: Record<number, string[]> = {};
    collectFields(outer, raw);
    if (Object.keys(raw).length === 0) throw new ChipFileError(FILE, "no field in the CCCD layout");
    const first = (n: number): string | null => {
      const value = raw[n]?.[0];
      return value === undefined || canonicalText(value) === "" ? null : canonicalText(value);
    };
    const date = (n: number): string | null => {
      const v = first(n);
      return v === null ? null : parseDayMonthYear(v);
    };
    const sexText = first(4);
    return new Dg13File({
      idNumber: first(1),
      fullName: first(2),
      dateOfBirth: date(3),
      sex: sexText === null ? null : parseSex(sexText),
      nationality: first(5),
      ethnicity: first(6),
      religion: first(7),
      placeOfOrigin: first(8),
      placeOfResidence: first(9),
      identifyingMarks: first(10),
      issueDate: date(11),
      expiryDate: date(12),
      fatherName: raw[13]?.[0] === undefined ? null : canonicalText(raw[13][0]),
      motherName: raw[13]?.[1] === undefined ? null : canonicalText(raw[13][1]),
      spouseName: first(14),
      oldIdNumber: first(16),
      raw,
      otherFields: Object.keys(raw)
        .map(Number)
        .filter((n) => !KNOWN_FIELDS.has(n)),
    });
  }
}

/** Finds SEQUENCEs that open with a field number and gathers the strings under each. */
function collectFields(node: asn1js.AsnType, into: Record<number, string[]>): void {
  for (const child of childrenOf(node)) {
    const [head, ...values] = childrenOf(child);
    if (isFieldShaped(child, head) && values.length > 0 && !values.some((v) => isFieldShaped(v, childrenOf(v)[0]))) {
      const field = head.valueBlock.valueDec;
      if (field >= 1 && field <= 64 && into[field] === undefined) {
        into[field] = values.flatMap(stringsUnder);
        continue;
      }
    }
    collectFields(child, into);
  }
}

/** A SEQUENCE opening with an INTEGER: a field (or, when it holds fields itself, a container of fields). */
const isFieldShaped = (node: asn1js.AsnType, head: asn1js.AsnType | undefined): head is asn1js.Integer =>
  node instanceof asn1js.Sequence && head instanceof asn1js.Integer;

function stringsUnder(node: asn1js.AsnType): string[] {
  // UTF8String, PrintableString, BMPString …: the value as read, decoded as UTF-8 (what CCCD chips use).
  if (node instanceof asn1js.BaseStringBlock) {
    const bytes = (node.valueBlock as { valueHexView: Uint8Array }).valueHexView;
    return [Buffer.from(bytes).toString("utf8").normalize("NFC")];
  }
  return childrenOf(node).flatMap(stringsUnder);
}
