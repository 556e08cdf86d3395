/**
 * A foreign national's passport data page (ICAO 9303 TD3): one photo, no QR, no back side. The
 * MRZ is the one machine-readable source: its check digits protect the document number, the dates
 * and (through the composite) the rest of line 2; the name has none. So the visual zone (the
 * printed fields above the MRZ, ocr/visual-zone.ts) is read at the same time and compared with it,
 * as a card's printed text is: a disagreement is `MRZ_PRINT_MISMATCH` and a field disagreement
 * (a name misread in a small photo, a number that passed its check digit by chance). The values
 * are the MRZ's only; the printed text is a witness. A Vietnamese card's QR and printed-field layout
 * do not exist on a passport, so neither is looked for. The portrait is not cut out here: the face
 * stage finds the face on the whole page (biometrics).
 *
 * The canonical idNumber of a passport is `P:<issuing state>:<number>` (docs/protocol.md §2). A
 * passport has no address, and its MRZ no issue date: both stay "" (the record allows it).
 */
import { crossCheck, collectReadings } from "./crosscheck.ts";
import { DocumentKindMismatchError, DocumentNotFoundError } from "./errors.ts";
import { loadImage, DEFAULT_IMAGE_LIMITS, type ImageLimits } from "./image.ts";
import type { MrzReader } from "./mrz/reader.ts";
import { searchStopNote } from "./mrz/budget.ts";
import { readVisualZoneWords, visualZoneFromWords } from "./ocr/visual-zone.ts";
import type { PageRecogniser, PageWord } from "./ocr/tesseract.ts";
import { isPassport } from "./passport-fields.ts";
import { editingSoftwareSignal, imageConsistencySignals, mrzSignals, printMismatchSignal } from "./tamper.ts";
import type { DocumentChecks, DocumentResult, Signal } from "./types.ts";

export interface ReadPassportOptions {
  mrz: MrzReader;
  /** Reads the visual zone; absent: the MRZ alone (ReadDocumentOptions.skipOcr). */
  text?: PageRecogniser;
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
  const gray = { data: image.gray, width: image.width, height: image.height };
  // The MRZ on its worker thread while tesseract's worker reads the printed page.
  const mrzStarted = performance.now();
  let mrzMs = 0;
  const mrzRead = options.mrz.read(gray, options.now).then((reading) => {
    mrzMs = performance.now() - mrzStarted;
    return reading;
  });
  let ocrMs = 0;
  const pageRead: Promise<PageWord[] | null> =
    options.text === undefined
      ? Promise.resolve(null)
      : readVisualZoneWords(gray, options.text).then((words) => {
          ocrMs = performance.now() - mrzStarted;
          return words;
        });
  pageRead.catch(() => undefined); // awaited below: a failure meanwhile must not count as unhandled
  const { reading: mrz, trace: mrzTrace } = await mrzRead;
  const words = await pageRead;
  if (mrz === null)
    throw new DocumentNotFoundError(
      `no machine readable zone could be read on the ${image.original.width} x ${image.original.height} px ` +
        "passport photo (its two MRZ lines must be in the photo, characters about 8 px high or more)" +
        searchStopNote(mrzTrace),
    );
  if (!isPassport(mrz.data))
    throw new DocumentKindMismatchError(
      "PASSPORT",
      `the machine readable zone is a ${mrz.data.format} document with code ${mrz.data.documentCode || "?"}`,
    );
  const tamperStarted = performance.now();
  const printed = words === null ? null : visualZoneFromWords(words, mrz.data.issuingState);
  const readings = collectReadings(null, mrz.data, printed);
  const { fields, disagreements } = crossCheck(readings, ["mrz"]);
  const signals: Signal[] = [...mrzSignals(mrz, true), ...imageConsistencySignals(image, null)];
  const printMismatch = printMismatchSignal(readings, printed, "mrz");
  if (printMismatch !== null) signals.push(printMismatch);
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
      ocrLines: Object.fromEntries(Object.entries(printed?.lines ?? {}).map(([k, v]) => [k, v.text])),
    },
    timings: {
      decodeMs: round(decodeMs),
      qrMs: 0,
      mrzMs: round(mrzMs),
      ocrMs: round(ocrMs),
      tamperMs: round(performance.now() - tamperStarted),
      totalMs: round(performance.now() - started),
    },
  };
}
