/**
 * `readDocument`: the document stage of the eKYC pipeline. Front (and back) photo in, a typed
 * `DocumentResult` out: every canonical field with its value, source and agreement, the
 * disagreements, tamper/validity signals with reasons, and timings.
 *
 * Engines (PaddleOCR ONNX sessions on a worker thread, tesseract.js workers) are loaded once by
 * `createDocumentEngines()` and reused across calls; close them when done.
 */
import { availableParallelism } from "node:os";
import { ageAt } from "./canonical.ts";
import { citizenIdInconsistencies } from "./citizen-id.ts";
import { collectReadings, crossCheck, documentTypeOf } from "./crosscheck.ts";
import { DocumentNotFoundError, QrPayloadError } from "./errors.ts";
import { readPassport } from "./read-passport.ts";
import { ghostReadRegions, portraitGhostSignal } from "./ghost.ts";
import { DEFAULT_IMAGE_LIMITS, loadImage, type ImageLimits, type LoadedImage } from "./image.ts";
import type { MrzReading } from "./mrz/read.ts";
import { startMrzReader, type MrzReader } from "./mrz/reader.ts";
import { searchStopNote } from "./mrz/budget.ts";
import { readBackIssueDate, type BackOcrResult } from "./ocr/back.ts";
import { FRONT_READ_REGIONS, readFront, type FrontOcrResult } from "./ocr/front.ts";
import type { GrayImage } from "./ocr/gray.ts";
import { backFrame, frontFrame, warpFront } from "./ocr/rectify.ts";
import { createTesseractRecogniser, type LineRecogniser, type PageRecogniser } from "./ocr/tesseract.ts";
import { parseCccdQr, type CccdQrData } from "./qr/cccd-payload.ts";
import { decodeQr } from "./qr/decode.ts";
import {
  editingSoftwareSignal,
  imageConsistencySignals,
  mrzSignals,
  printMismatchSignal,
  qrMrzSignal,
} from "./tamper.ts";
import type { DocumentChecks, DocumentResult, Signal } from "./types.ts";

export interface DocumentEngines {
  mrz: MrzReader;
  /** Printed text: a card's field lines, a passport's visual zone (a page of unknown layout). */
  text: LineRecogniser & PageRecogniser;
  close(): Promise<void>;
}

/**
 * Printed-text workers: one per core up to two. A card's lines and the MRZ are read at once; once the
 * MRZ is read, the second core reads lines too instead of idling.
 */
const TEXT_WORKERS = Math.min(2, availableParallelism());

export async function createDocumentEngines(options: { tessdataDir?: string } = {}): Promise<DocumentEngines> {
  const [mrz, text] = await Promise.all([
    startMrzReader(),
    createTesseractRecogniser({ ...options, workers: TEXT_WORKERS }),
  ]);
  return {
    mrz,
    text,
    close: async () => {
      await Promise.all([mrz.close(), text.close()]);
    },
  };
}

export interface ReadDocumentOptions {
  engines: DocumentEngines;
  /** Reference time for expiry and age (default: now). */
  now?: Date;
  limits?: ImageLimits;
  /** Skip printed-text OCR (QR, MRZ and the portrait check still run). */
  skipOcr?: boolean;
}

/** A Vietnamese card's two sides (the back optional), or a passport's data page (read-passport.ts). */
export type DocumentImages = { front: Uint8Array; back?: Uint8Array } | { passport: Uint8Array };

const ADULT_AGE = 18;

function checksFor(result: Pick<DocumentResult, "fields">, now: Date): DocumentChecks {
  const expiry = result.fields.expiryDate.value;
  const dob = result.fields.dateOfBirth.value;
  const today = now.toISOString().slice(0, 10);
  const ageYears = dob === "" ? null : ageAt(dob, now);
  return {
    expired: expiry !== "" && expiry < today,
    ageYears,
    adult: ageYears === null ? null : ageYears >= ADULT_AGE,
  };
}

export async function readDocument(images: DocumentImages, options: ReadDocumentOptions): Promise<DocumentResult> {
  const now = options.now ?? new Date();
  const limits = options.limits ?? DEFAULT_IMAGE_LIMITS;
  if ("passport" in images)
    return readPassport(images.passport, {
      mrz: options.engines.mrz,
      ...(options.skipOcr === true ? {} : { text: options.engines.text }),
      now,
      limits,
      checksFor: (fields, at) => checksFor({ fields }, at),
    });
  const started = performance.now();
  const frontLoading = loadImage("front", images.front, limits);
  const backLoading = images.back === undefined ? null : loadImage("back", images.back, limits);
  // The MRZ is read on its worker thread while this thread decodes the QR and has the printed
  // text read (tesseract.js workers) and the portrait compared. It starts as soon as its photo is
  // decoded. A back's MRZ rows are first read where the card's layout puts them, through the
  // back's frame (found here once, and used again for its issue date): the edges' homography, or
  // else the bright area's guess, which the reader checks against the rows' ink (mrz/layout-rows.ts).
  const backFramed =
    backLoading === null ? null : backLoading.then((image) => ({ image, frame: backFrame(grayOf(image)) }));
  let mrzMs = 0;
  const mrzRead = (backFramed ?? frontLoading.then((image) => ({ image, frame: null }))).then(({ image, frame }) => {
    const mrzStarted = performance.now();
    return options.engines.mrz.read(grayOf(image), now, frame?.homography ?? frame?.affine).then((reading) => {
      mrzMs = performance.now() - mrzStarted;
      return reading;
    });
  });
  mrzRead.catch(() => undefined); // awaited below: a failure meanwhile must not count as unhandled
  // The back's issue date (the one printed field of the back the record needs, cross-checked with
  // the QR's) needs only the back's frame: it is queued on the tesseract workers at once, so that
  // a worker reads it while this thread decodes the front's QR and rectifies the front.
  const backDateRead =
    backFramed === null || options.skipOcr === true
      ? Promise.resolve(null)
      : backFramed.then(({ image, frame }) => readBackIssueDate(grayOf(image), options.engines.text, frame));
  backDateRead.catch(() => undefined); // awaited below: a failure meanwhile must not count as unhandled
  const [front, framedBack] = await Promise.all([frontLoading, backFramed]);
  const decodeMs = performance.now() - started;
  const back = framedBack?.image ?? null;
  const mrzSource = back ?? front;

  let t = performance.now();
  const { qr, qrData, signals } = readQr(front);
  const qrMs = performance.now() - t;

  t = performance.now();
  // Only the parts of the card frame that are read are warped: first the front's lines, which are
  // then queued on the tesseract workers together, then (on a card anchored on its QR, the only one
  // whose ghost and portrait are where the layout says) the portrait's and the ghost's areas, which
  // this thread compares while the workers read the lines.
  const frame = frontFrame(grayOf(front), qr);
  const card = warpFront(grayOf(front), frame, FRONT_READ_REGIONS);
  const printedText = Promise.all([
    options.skipOcr === true ? null : readFront(card, options.engines.text, { retryShifts: frame.anchor === "qr" }),
    backDateRead,
  ]);
  printedText.catch(() => undefined); // awaited below: a failure meanwhile must not count as unhandled
  const ghostStarted = performance.now();
  const portrait =
    frame.anchor === "qr" ? portraitGhostSignal(warpFront(grayOf(front), frame, ghostReadRegions(), card)) : null;
  let tamperMs = performance.now() - ghostStarted;
  const [ocr, backOcr]: [FrontOcrResult | null, BackOcrResult | null] = await printedText;
  // Wall time of the printed-text path (rectification included), the portrait check overlapping it.
  const ocrMs = performance.now() - t;
  const { reading: mrz, trace: mrzTrace } = await mrzRead;

  const ocrFields =
    ocr === null
      ? 0
      : [ocr.idNumber, ocr.fullName, ocr.dateOfBirth, ocr.sex, ocr.nationality].filter((v) => v !== null).length;
  if (qr === null && mrz === null && ocrFields < 2)
    throw new DocumentNotFoundError(
      `no QR code, no MRZ and no printed card fields could be read in the ${mrzSource.original.width} x ` +
        `${mrzSource.original.height} px photo (text must be about 8 px high or more to be read)` +
        searchStopNote(mrzTrace),
    );

  t = performance.now();
  const readings = collectReadings(qrData, mrz?.data ?? null, ocr, backOcr?.issueDate ?? null);
  const { fields, disagreements } = crossCheck(readings);
  signals.push(...(await consistencySignals({ readings, ocr, mrz, front, back, portrait, fields })));
  const checks = checksFor({ fields }, now);
  if (checks.expired)
    signals.push({ code: "DOCUMENT_EXPIRED", score: 1, reason: `document expired on ${fields.expiryDate.value}` });
  tamperMs += performance.now() - t;

  return {
    documentType: documentTypeOf(fields),
    fields,
    disagreements,
    signals,
    checks,
    evidence: {
      qrText: qr?.text ?? null,
      mrzLines: mrz?.lines ?? null,
      mrzRepairs: (mrz?.repairs ?? []).map(
        (r) => `line ${r.line + 1} col ${r.index + 1}: ${r.from} → ${r.to} (${r.why})`,
      ),
      ocrLines: {
        ...Object.fromEntries(Object.entries(ocr?.lines ?? {}).map(([k, v]) => [k, v.text])),
        ...(backOcr === null ? {} : { backIssueDate: backOcr.line.text }),
      },
    },
    timings: {
      decodeMs: round(decodeMs),
      qrMs: round(qrMs),
      mrzMs: round(mrzMs),
      ocrMs: round(ocrMs),
      tamperMs: round(tamperMs),
      totalMs: round(performance.now() - started),
    },
  };
}

/** The front's QR code and its parsed payload; a missing or invalid QR is a signal, not an error. */
function readQr(front: LoadedImage): { qr: ReturnType<typeof decodeQr>; qrData: CccdQrData | null; signals: Signal[] } {
  const signals: Signal[] = [];
  const qr = decodeQr(front.gray, front.width, front.height);
  let qrData: CccdQrData | null = null;
  if (qr === null)
    signals.push({ code: "QR_UNREADABLE", score: 0.4, reason: "no QR code could be decoded on the front" });
  else {
    try {
      qrData = parseCccdQr(qr.text);
    } catch (error) {
      if (!(error instanceof QrPayloadError)) throw error;
      signals.push({ code: "QR_PAYLOAD_INVALID", score: 0.7, reason: error.message });
    }
  }
  return { qr, qrData, signals };
}

/**
 * Whether the card agrees with itself: MRZ checks, QR vs MRZ vs print, editing-software traces,
 * the two sides' consistency, the portrait ghost, and the id number's structure.
 */
async function consistencySignals(read: {
  readings: ReturnType<typeof collectReadings>;
  ocr: FrontOcrResult | null;
  mrz: MrzReading | null;
  front: LoadedImage;
  back: LoadedImage | null;
  portrait: Signal | null;
  fields: DocumentResult["fields"];
}): Promise<Signal[]> {
  const { readings, ocr, mrz, front, back, portrait, fields } = read;
  const signals: Signal[] = [...mrzSignals(mrz, back !== null)];
  for (const s of [
    qrMrzSignal(readings),
    printMismatchSignal(readings, ocr, "qr"),
    printMismatchSignal(readings, ocr, "mrz"),
  ])
    if (s !== null) signals.push(s);
  for (const [side, img] of [
    ["front", front],
    ["back", back],
  ] as const) {
    if (img === null) continue;
    const s = await editingSoftwareSignal(side, img);
    if (s !== null) signals.push(s);
  }
  signals.push(...imageConsistencySignals(front, back));
  if (portrait !== null) signals.push(portrait);
  if (fields.idNumber.value.length === 12) {
    const problems = citizenIdInconsistencies(fields.idNumber.value, fields.dateOfBirth.value, fields.sex.value);
    if (problems.length > 0)
      signals.push({
        code: "ID_NUMBER_INCONSISTENT",
        score: 0.7,
        reason: `id number structure: ${problems.join("; ")}`,
      });
  }
  return signals;
}

const grayOf = (image: LoadedImage): GrayImage => ({ data: image.gray, width: image.width, height: image.height });

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** Signals that count as "flagged for review" (tamper evidence; expiry is a validity issue). */
export function isFlagged(result: DocumentResult, threshold = 0.5): boolean {
  return result.signals.some((s) => s.code !== "DOCUMENT_EXPIRED" && s.score >= threshold);
}
