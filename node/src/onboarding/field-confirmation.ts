/**
 * The customer confirms what was read (seed 003, Bước 3): after the document step the fields are
 * shown with their source and confidence (ekyc/document/field-provenance.ts), and the customer
 * confirms them or corrects some. What a correction does is the rule set's (1.5.0):
 *
 * - a field read by the printed text alone: the corrected value is used for the checks and the
 *   record, and the correction (value read, value given, source) is kept in the evidence
 *   (FIELD_CORRECTED_PRINTED, informational);
 * - a field the QR, the MRZ or the chip read (machine-checked sources), or that nothing read: the
 *   value read is kept and the case goes to a reviewer, who sees the customer's value beside it
 *   (FIELD_CORRECTED_MACHINE_READ, REVIEW).
 */
import { KycnetError } from "@kycnet/sdk/errors";
import { canonicalizeField } from "@kycnet/sdk/protocol";
import type { FieldCorrection, FieldReading, FieldSource, ReadField } from "@kycnet/sdk/bank";
import { READ_FIELDS } from "@kycnet/sdk/bank";
import { chipFields } from "../ekyc/document/chip-agreement.ts";
import type { ChipVerification } from "../ekyc/document/chip/index.ts";
import { fieldProvenance, type FieldProvenance, type ProvenanceSource } from "../ekyc/document/field-provenance.ts";
import type { DocumentResult } from "../ekyc/document/index.ts";
import type { DocumentReadingView, FieldConfirmationBody, FieldConfirmationView } from "./ports.ts";

const SOURCE_NAMES: Readonly<Record<ProvenanceSource, FieldSource>> = {
  qr: "QR",
  mrz: "MRZ",
  ocr: "PRINTED_TEXT",
  chip: "CHIP",
};

/** Each field's provenance; the chip counts only once its data passed its checks. */
function provenanceOf(
  document: DocumentResult,
  chip: ChipVerification | undefined,
): Record<ReadField, FieldProvenance> {
  const fromChip = chip !== undefined && chip.status === "VALID" ? chipFields(chip) : {};
  return Object.fromEntries(
    READ_FIELDS.map((field) => [field, fieldProvenance(field, document.fields[field], fromChip[field])]),
  ) as Record<ReadField, FieldProvenance>;
}

export function documentReadingView(
  document: DocumentResult,
  chip: ChipVerification | undefined,
  confirmation: FieldConfirmationView | undefined,
): DocumentReadingView {
  const provenance = provenanceOf(document, chip);
  const fields: FieldReading[] = READ_FIELDS.map((field) => {
    const p = provenance[field];
    return {
      field,
      value: document.fields[field].value,
      source: p.source === null ? null : SOURCE_NAMES[p.source],
      sources: p.sources.map((s) => SOURCE_NAMES[s]),
      confidence: p.confidence,
      onCorrection: p.machineRead ? "REVIEW" : "KEPT",
    };
  });
  return { documentType: document.documentType, fields, confirmation: confirmation ?? null };
}

/** The customer's answer, checked: each field at most once, each value a valid value of its field. */
export function confirmFields(
  document: DocumentResult,
  chip: ChipVerification | undefined,
  body: FieldConfirmationBody,
  now: Date,
): FieldConfirmationView {
  const provenance = provenanceOf(document, chip);
  const seen = new Set<string>();
  const corrections: FieldCorrection[] = [];
  for (const { field, value } of body.corrections) {
    if (seen.has(field))
      throw new KycnetError("INVALID_ARGUMENT", `field ${field} is corrected twice`, { details: { field } });
    seen.add(field);
    // Canonical as the record commits it (and refused as INVALID_ARGUMENT naming the field when it cannot be).
    const corrected = canonicalizeField(field, value);
    const read = document.fields[field].value;
    if (corrected === read) continue; // the customer retyped what was read: a confirmation
    const p = provenance[field];
    corrections.push({
      field,
      read,
      corrected,
      source: p.source === null ? null : SOURCE_NAMES[p.source],
      outcome: p.machineRead ? "REVIEW" : "KEPT",
    });
  }
  return {
    confirmedAt: now.toISOString(),
    corrections,
    review: corrections.some((c) => c.outcome === "REVIEW"),
  };
}

/** The document the decision uses: printed-text-only corrections applied (machine-read values stay as read). */
export function withCorrections(
  document: DocumentResult,
  confirmation: FieldConfirmationView | undefined,
): DocumentResult {
  const kept = (confirmation?.corrections ?? []).filter((c) => c.outcome === "KEPT");
  if (kept.length === 0) return document;
  const fields = { ...document.fields };
  for (const c of kept) fields[c.field] = { ...fields[c.field], value: c.corrected };
  return { ...document, fields };
}

/** The corrections as the decision engine weighs them. */
export function correctionsAssessed(
  confirmation: FieldConfirmationView | undefined,
): { field: string; machineRead: boolean }[] {
  return (confirmation?.corrections ?? []).map((c) => ({ field: c.field, machineRead: c.outcome === "REVIEW" }));
}
