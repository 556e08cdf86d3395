/**
 * Where each field's value came from, and how far it can be trusted, for the customer who checks
 * what was read (seed 003, Bước 3) and for the rule on their corrections. Pure: no I/O.
 *
 * The confidence is a fixed ordinal scale by source and agreement, not a calibrated probability:
 * the verified chip agreeing with the card (1.0), two or more card sources agreeing (0.98), the QR
 * alone (0.95: a digital payload, no reading errors), the MRZ alone (0.9: check digits cover some of
 * its fields), the printed text alone (0.6: OCR of small print through plastic), sources that
 * disagree (0.3), nothing read (0).
 */
import { sameValue } from "./crosscheck.ts";
import type { DocumentFieldName, DocumentSource, FieldResult } from "./types.ts";

/** A card source, or the chip (its data signed by the issuing state). */
export type ProvenanceSource = DocumentSource | "chip";

export interface FieldProvenance {
  /** The source the value is vouched for by: the chip when it agrees, else the card source it was taken from. */
  readonly source: ProvenanceSource | null;
  /** Every source that read the field (non-empty readings), the chip last. */
  readonly sources: readonly ProvenanceSource[];
  readonly confidence: number;
  /**
   * A machine-readable source read it (QR, MRZ, chip), or no value was taken: a correction is then a
   * claim against checked data, for a reviewer. False only when the printed text alone read the value
   * taken (a card's printed field; a passport's visual zone is compared, never taken).
   */
  readonly machineRead: boolean;
}

const SINGLE: Readonly<Record<DocumentSource, number>> = { qr: 0.95, mrz: 0.9, ocr: 0.6 };

/** `chipValue`: the verified chip's canonical value of this field (chip-agreement.ts `chipFields`), if it holds one. */
export function fieldProvenance(
  field: DocumentFieldName,
  result: FieldResult,
  chipValue: string | undefined,
): FieldProvenance {
  const read = (Object.entries(result.readings) as [DocumentSource, string][])
    .filter(([, value]) => value !== "")
    .map(([source]) => source);
  const sources: ProvenanceSource[] = chipValue === undefined ? read : [...read, "chip"];
  // Nothing chosen (nothing read, or a passport's printed text alone, which is never taken as its
  // value): a correction is then a claim nothing checked, for a reviewer.
  const machineRead = result.source === null || sources.some((s) => s !== "ocr");
  if (chipValue !== undefined) {
    const agrees =
      result.value !== "" &&
      sameValue(field, { source: "qr", value: chipValue }, { source: "qr", value: result.value });
    return agrees
      ? { source: "chip", sources, confidence: 1, machineRead }
      : { source: result.source, sources, confidence: 0.3, machineRead };
  }
  const confidence =
    result.agreement === "agree"
      ? 0.98
      : result.agreement === "disagree"
        ? 0.3
        : result.agreement === "single" && result.source !== null
          ? SINGLE[result.source]
          : 0;
  return { source: result.source, sources, confidence, machineRead };
}
