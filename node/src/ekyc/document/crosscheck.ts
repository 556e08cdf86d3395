/**
 * Cross-check of the three sources field by field, after canonicalisation. The MRZ has no
 * diacritics, so names are compared folded (Đ → D, marks dropped) and, when the MRZ name fills
 * its field, as a prefix (the MRZ cuts long names there). MRZ values whose check digit failed are not
 * used as readings. Picks one value per field by a fixed source preference.
 */
import { foldDiacritics, isIcaoStateCode, parsePassportIdNumber } from "@kycnet/sdk/protocol";
import type { MrzData } from "./mrz/parse.ts";
import type { FrontOcrResult } from "./ocr/front.ts";
import type { CccdQrData } from "./qr/cccd-payload.ts";
import { isPassport, passportNumberOf } from "./passport-fields.ts";
import {
  DOCUMENT_FIELDS,
  type Agreement,
  type Disagreement,
  type DocumentFieldName,
  type DocumentSource,
  type DocumentType,
  type FieldResult,
} from "./types.ts";

/** Source preference per field: machine-readable first, the MRZ last for text (no diacritics). */
const PREFERENCE: Record<DocumentFieldName, readonly DocumentSource[]> = {
  idNumber: ["qr", "mrz", "ocr"],
  oldIdNumber: ["qr"],
  fullName: ["qr", "ocr", "mrz"],
  dateOfBirth: ["qr", "mrz", "ocr"],
  sex: ["qr", "mrz", "ocr"],
  nationality: ["mrz", "ocr", "qr"],
  address: ["qr", "ocr"],
  // The back's printed date (read from the back photo) is the second source.
  issueDate: ["qr", "ocr"],
  expiryDate: ["mrz", "ocr"],
  documentType: ["mrz", "qr", "ocr"],
};

export type Readings = Record<DocumentFieldName, Partial<Record<DocumentSource, string>>> & {
  /** The MRZ's name fills its field (`MrzData.nameCut`): a longer name that begins with it is the same. */
  mrzNameCut?: boolean;
};

const checked = (mrz: MrzData, name: string): boolean => mrz.checks.find((c) => c.name === name)?.valid === true;

/** MRZ name as "SURNAME GIVEN NAMES" (ASCII). */
export const mrzFullName = (mrz: Pick<MrzData, "surname" | "givenNames">): string =>
  [mrz.surname, mrz.givenNames].filter((s) => s.length > 0).join(" ");

/** `printedIssueDate`: the back's printed issue date (ocr/back.ts), read as the printed-text source. */
export function collectReadings(
  qr: CccdQrData | null,
  mrz: MrzData | null,
  ocr: FrontOcrResult | null,
  printedIssueDate: string | null = null,
): Readings {
  const r = Object.fromEntries(DOCUMENT_FIELDS.map((f) => [f, {}])) as Readings;
  if (qr !== null) {
    Object.assign(r.idNumber, { qr: qr.idNumber });
    Object.assign(r.oldIdNumber, { qr: qr.oldIdNumber });
    Object.assign(r.fullName, { qr: qr.fullName });
    Object.assign(r.dateOfBirth, { qr: qr.dateOfBirth });
    Object.assign(r.sex, { qr: qr.sex });
    Object.assign(r.address, { qr: qr.address });
    Object.assign(r.issueDate, { qr: qr.issueDate });
    // A CCCD QR is only printed on the chip card of a Vietnamese citizen.
    Object.assign(r.nationality, { qr: "VNM" });
    Object.assign(r.documentType, { qr: "CCCD_CHIP" });
  }
  if (mrz !== null) {
    const vietnameseCard = mrz.format === "TD1" && mrz.issuingState === "VNM";
    // Vietnamese TD1: the document number is the id's last 9 digits, the optional data the full 12.
    const fullId = /^\d{12}/.exec(mrz.optionalData)?.[0];
    const passportNumber = passportNumberOf(mrz, checked(mrz, "documentNumber"));
    if (passportNumber !== null) r.idNumber.mrz = passportNumber;
    else if (checked(mrz, "documentNumber") && !isPassport(mrz)) {
      if (!vietnameseCard) r.idNumber.mrz = mrz.documentNumber;
      else if (fullId !== undefined && fullId.endsWith(mrz.documentNumber)) r.idNumber.mrz = fullId;
    }
    if (checked(mrz, "dateOfBirth") && mrz.dateOfBirth !== null) r.dateOfBirth.mrz = mrz.dateOfBirth;
    if (checked(mrz, "expiryDate") && mrz.expiryDate !== null) r.expiryDate.mrz = mrz.expiryDate;
    if (mrz.sex !== "X") r.sex.mrz = mrz.sex;
    if (isIcaoStateCode(mrz.nationality)) r.nationality.mrz = mrz.nationality;
    const name = mrzFullName(mrz);
    if (name.length > 0) r.fullName.mrz = name;
    r.mrzNameCut = mrz.nameCut;
    r.documentType.mrz = isPassport(mrz) ? "PASSPORT" : vietnameseCard ? "CCCD_CHIP" : "CCCD";
  }
  if (ocr !== null) {
    const set = (field: DocumentFieldName, value: string | null) => {
      if (value !== null) r[field].ocr = value;
    };
    set("idNumber", ocr.idNumber);
    set("fullName", ocr.fullName);
    set("dateOfBirth", ocr.dateOfBirth);
    set("sex", ocr.sex);
    set("nationality", ocr.nationality);
    set("address", ocr.address);
    set("expiryDate", ocr.expiryDate);
    if (ocr.idNumber !== null)
      r.documentType.ocr =
        parsePassportIdNumber(ocr.idNumber) !== null ? "PASSPORT" : ocr.idNumber.length === 9 ? "CMND" : "CCCD";
  }
  if (printedIssueDate !== null) r.issueDate.ocr = printedIssueDate;
  return r;
}

/** ICAO 9303 part 3 §6 transliterations of Latin letters that are not folded to one letter (Ä → AE, ß → SS). */
const ICAO_LATIN: ReadonlyArray<[RegExp, string]> = [
  [/[ÄÆ]/gu, "AE"],
  [/[äæ]/gu, "ae"],
  [/Å/gu, "AA"],
  [/å/gu, "aa"],
  [/[ÖØŒ]/gu, "OE"],
  [/[öøœ]/gu, "oe"],
  [/Ü/gu, "UE"],
  [/ü/gu, "ue"],
  [/ß/gu, "ss"],
  [/Þ/gu, "TH"],
  [/þ/gu, "th"],
];

export const icaoTransliteration = (s: string): string =>
  ICAO_LATIN.reduce((text, [letter, latin]) => text.replace(letter, latin), s.normalize("NFC"));

/** Name comparison key: folded, A–Z and single spaces. */
export const nameKey = (s: string): string =>
  foldDiacritics(s)
    .toUpperCase()
    .replace(/[^A-Z ]/g, " ")
    .replace(/\s+/g, " ")
    .trim();

/**
 * True when two readings of a field say the same thing. `mrzNameCut`: the MRZ name fills its field
 * and may be cut there, so a longer name that begins with it is the same name.
 */
export function sameValue(
  field: DocumentFieldName,
  a: { source: DocumentSource; value: string },
  b: { source: DocumentSource; value: string },
  mrzNameCut = false,
): boolean {
  if (field === "fullName" && (a.source === "mrz" || b.source === "mrz")) {
    const [m, o] = a.source === "mrz" ? [a.value, b.value] : [b.value, a.value];
    const mk = nameKey(m);
    // A printed name's national letters may be written in the MRZ folded (Ä → A) or transliterated
    // as ICAO 9303 part 3 recommends (Ä → AE: MÄNNIK is MAENNIK): either form is the same name.
    return [nameKey(o), nameKey(icaoTransliteration(o))].some((ok) => mk === ok || (mrzNameCut && ok.startsWith(mk)));
  }
  if (field === "documentType") {
    const family = (v: string) => (v === "CCCD_CHIP" || v === "CCCD" ? "CCCD" : v);
    return family(a.value) === family(b.value);
  }
  return a.value === b.value;
}

/**
 * `chooseFrom`: the sources a field's value may be taken from (default all). A passport takes its
 * values from the MRZ only: its visual zone (printed text) is a witness compared with the MRZ, not a
 * value for the record (read-passport.ts), so a field the MRZ did not give stays unread.
 */
export function crossCheck(
  readings: Readings,
  chooseFrom: readonly DocumentSource[] = ["qr", "mrz", "ocr"],
): {
  fields: Record<DocumentFieldName, FieldResult>;
  disagreements: Disagreement[];
} {
  const fields = {} as Record<DocumentFieldName, FieldResult>;
  const disagreements: Disagreement[] = [];
  for (const field of DOCUMENT_FIELDS) {
    const present = PREFERENCE[field]
      .filter((s) => readings[field][s] !== undefined)
      .map((source) => ({ source, value: readings[field][source] as string }));
    let agreement: Agreement = "missing";
    if (present.length === 1) agreement = "single";
    if (present.length >= 2) {
      const conflicts: string[] = [];
      for (let i = 0; i < present.length; i++) {
        for (let j = i + 1; j < present.length; j++) {
          const a = present[i] as { source: DocumentSource; value: string },
            b = present[j] as { source: DocumentSource; value: string };
          if (!sameValue(field, a, b, readings.mrzNameCut))
            conflicts.push(`${a.source.toUpperCase()} "${a.value}" ≠ ${b.source.toUpperCase()} "${b.value}"`);
        }
      }
      agreement = conflicts.length === 0 ? "agree" : "disagree";
      if (conflicts.length > 0)
        disagreements.push({ field, readings: { ...readings[field] }, reason: `${field}: ${conflicts.join("; ")}` });
    }
    const chosen = present.find((p) => chooseFrom.includes(p.source));
    fields[field] = {
      value: chosen?.value ?? "",
      source: chosen?.source ?? null,
      agreement: chosen === undefined ? "missing" : agreement,
      readings: { ...readings[field] },
    };
  }
  return { fields, disagreements };
}

export function documentTypeOf(fields: Record<DocumentFieldName, FieldResult>): DocumentType | null {
  const v = fields.documentType.value;
  return v === "CCCD" || v === "CCCD_CHIP" || v === "CMND" || v === "PASSPORT" ? v : null;
}
