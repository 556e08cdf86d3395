/**
 * A foreign national's passport data page (ICAO 9303 TD3): one photo, no QR, no back side. The
 * MRZ is the one machine-readable source: its check digits protect the document number, the dates
 * and (through the composite) the rest of line 2; the name has none. A Vietnamese card's QR and
 * printed-field layout do not exist on a passport, so neither is looked for. The portrait is not
 * cut out here: the face stage finds the face on the whole page (biometrics).
 *
 * The canonical idNumber of a passport is `P:<issuing state>:<number>` (docs/protocol.md §2). A
 * passport has no address, and its MRZ no issue date: both stay "" (the record allows it).
 */
import { crossCheck, collectReadings } from "./crosscheck.ts";
import { DocumentKindMismatchError, DocumentNotFoundError } from "./errors.ts";
import { loadImage, DEFAULT_IMAGE_LIMITS, type ImageLimits } from "./image.ts";
import type { MrzReader } from "./mrz/reader.ts";
import { isPassport } from "./passport-fields.ts";
import { editingSoftwareSignal, imageConsistencySignals, mrzSignals } from "./tamper.ts";
import type { DocumentChecks, DocumentResult, Signal } from "./types.ts";

export interface ReadPassportOptions {
  mrz: MrzReader;
  now: Date;
  limits?: ImageLimits;
  /** Whole years and expiry from the chosen fields (read-document.ts's own rule). */
  checksFor: (fields: DocumentResult["fields"], now: Date) => DocumentChecks;
}

/**
 * Reads a passport data page. Throws DOCUMENT_NOT_FOUND when no MRZ can be read, and
 * DOCUMENT_KIND_MISMATCH when the MRZ read is not a passport's (an ID card, a visa).
 */
export async function readPassport(page: Uint8Array, options: ReadPassportOptions): Promise<DocumentResult> {
  const started = performance.now();
  const image = await loadImage("passport", page, options.limits ?? DEFAULT_IMAGE_LIMITS);
  const decodeMs = performance.now() - started;
  const mrzStarted = performance.now();
  const mrz = await options.mrz.read({ data: image.gray, width: image.width, height: image.height }, options.now);
  const mrzMs = performance.now() - mrzStarted;
  if (mrz === null)
    throw new DocumentNotFoundError(
      `no machine readable zone could be read on the ${image.original.width} x ${image.original.height} px ` +
        "passport photo (its two MRZ lines must be in the photo, characters about 8 px high or more)",
    );
  if (!isPassport(mrz.data))
    throw new DocumentKindMismatchError(
      "PASSPORT",
      `the machine readable zone is a ${mrz.data.format} document with code ${mrz.data.documentCode || "?"}`,
    );
  const tamperStarted = performance.now();
  const { fields, disagreements } = crossCheck(collectReadings(null, mrz.data, null));
  const signals: Signal[] = [...mrzSignals(mrz, true), ...imageConsistencySignals(image, null)];
  const editing = await editingSoftwareSignal("passport", image);
  if (editing !== null) signals.push(editing);
  const checks = options.checksFor(fields, options.now);
  if (checks.expired)
    signals.push({ code: "DOCUMENT_EXPIRED", score: 1, reason: `document expired on ${fields.expiryDate.value}` });
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  return {
    documentType: "PASSPORT",
    fields,
    disagreements,
    signals,
    checks,
    evidence: {
      qrText: null,
      mrzLines: mrz.lines,
      mrzRepairs: mrz.repairs.map((r) => `line ${r.line + 1} col ${r.index + 1}: ${r.from} → ${r.to} (${r.why})`),
      ocrLines: {},
    },
    timings: {
      decodeMs: round(decodeMs),
      qrMs: 0,
      mrzMs: round(mrzMs),
      ocrMs: 0,
      tamperMs: round(performance.now() - tamperStarted),
      totalMs: round(performance.now() - started),
    },
  };
}
