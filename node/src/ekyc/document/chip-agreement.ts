/**
 * Does the card in the photo say what its chip says? The chip's data is signed by the issuing state
 * (once passive authentication passes), so it is the reference: every card reading (QR, MRZ,
 * printed text) of a field the chip also holds is compared with it after canonicalisation, and each
 * field where some reading differs is one mismatch naming the sources. Pure: no I/O.
 */
import { canonicalName, canonicalText } from "./canonical.ts";
import type { ChipVerification } from "./chip/index.ts";
import { isIcaoStateCode } from "@kycnet/sdk/protocol";
import { mrzFullName, sameValue } from "./crosscheck.ts";
import { nameFillsField } from "./mrz/parse.ts";
import { isPassport, passportNumberOf } from "./passport-fields.ts";
import type { DocumentFieldName, DocumentResult, DocumentSource } from "./types.ts";

export interface ChipCardMismatch {
  readonly field: DocumentFieldName;
  /** The card's sources whose reading differs from the chip. */
  readonly sources: readonly DocumentSource[];
}

type ChipData = Pick<ChipVerification, "mrz" | "vietnamese">;

/**
 * The chip's canonical value of each field it holds (DG13 first: the CCCD's full record; then DG1's
 * MRZ; a passport's DG1 also gives the name and nationality, which a passport has nowhere else).
 */
export function chipFields(chip: ChipData): Partial<Record<DocumentFieldName, string>> {
  const vn = chip.vietnamese;
  const mrz = chip.mrz;
  const fields: Partial<Record<DocumentFieldName, string | null | undefined>> = {
    idNumber:
      vn?.idNumber ??
      (mrz === null
        ? null
        : isPassport(mrz)
          ? passportNumberOf(mrz, mrz.checkDigitsValid) // a passport chip's DG1: the canonical P:<state>:<number>
          : /^\d{12}$/.test(mrz.optionalData)
            ? mrz.optionalData
            : null),
    fullName:
      vn?.fullName !== null && vn?.fullName !== undefined
        ? canonicalName(vn.fullName)
        : mrz !== null && isPassport(mrz)
          ? mrzFullName(mrz) // a passport has no DG13: DG1's name, compared as an MRZ name
          : null,
    nationality: mrz !== null && isPassport(mrz) && isIcaoStateCode(mrz.nationality) ? mrz.nationality : null,
    dateOfBirth: vn?.dateOfBirth ?? mrz?.dateOfBirth,
    sex: vn?.sex ?? (mrz?.sex === "M" || mrz?.sex === "F" ? mrz.sex : null),
    expiryDate: vn?.expiryDate ?? mrz?.expiryDate,
    issueDate: vn?.issueDate,
    oldIdNumber: vn?.oldIdNumber,
    address:
      vn?.placeOfResidence === null || vn?.placeOfResidence === undefined ? null : canonicalText(vn.placeOfResidence),
  };
  return Object.fromEntries(
    Object.entries(fields).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""),
  );
}

/** The fields where a card reading differs from the chip; a source that read nothing is not a disagreement. */
export function chipCardMismatches(chip: ChipData, card: DocumentResult): ChipCardMismatch[] {
  const mismatches: ChipCardMismatch[] = [];
  const cardMrzCut = card.evidence.mrzLines !== null && nameFillsField(card.evidence.mrzLines);
  for (const [field, chipValue] of Object.entries(chipFields(chip)) as [DocumentFieldName, string][]) {
    const readings = card.fields[field].readings;
    // The chip's DG13 is written like the QR (full Vietnamese text), a passport's DG1 name like the MRZ
    // (no diacritics): compared as the card's sources are with each other.
    const chipSource: DocumentSource =
      field === "fullName" && (chip.vietnamese?.fullName ?? null) === null ? "mrz" : "qr";
    // A name may be cut at its MRZ field's end (`MrzData.nameCut`): the cut of the MRZ on the MRZ
    // side of each comparison, the chip's DG1 or the card's; DG1 against the card's MRZ is one MRZ
    // against another, compared whole.
    const mrzNameCut = (source: DocumentSource): boolean =>
      chipSource === "mrz" ? source !== "mrz" && (chip.mrz?.nameCut ?? false) : source === "mrz" && cardMrzCut;
    const differing = (Object.entries(readings) as [DocumentSource, string][])
      .filter(
        ([source, value]) =>
          value !== "" &&
          !sameValue(field, { source: chipSource, value: chipValue }, { source, value }, mrzNameCut(source)),
      )
      .map(([source]) => source);
    if (differing.length > 0) mismatches.push({ field, sources: differing });
  }
  return mismatches;
}
