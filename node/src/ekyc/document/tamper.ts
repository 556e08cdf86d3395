/**
 * Tamper signals, each with a stable code, a score in [0, 1] and a reason a reviewer can read.
 * A score ≥ 0.5 sends the case to review. The signals are evidence, not verdicts: an OCR misread
 * can look like an edit, so print-vs-QR signals weigh how different the readings are and how
 * confident the OCR was.
 */
import exifr from "exifr";
import { editDistance } from "./canonical.ts";
import { nameKey, sameValue, type Readings } from "./crosscheck.ts";
import type { LoadedImage } from "./image.ts";
import { unsureFields, UNSURE_MARGIN } from "./mrz/confidence.ts";
import type { MrzReading } from "./mrz/read.ts";
import type { FrontOcrResult } from "./ocr/front.ts";
import type { DocumentFieldName, Signal } from "./types.ts";

/** Image editors and retouching apps whose name in EXIF/XMP means the photo was edited. */
const EDITORS =
  /photoshop|gimp|lightroom|snapseed|picsart|canva|affinity|pixelmator|paint\.net|facetune|meitu|photopea|fotor|polarr|krita|corel|paintshop|acdsee|luminar|pixlr|befunky|inpixio|vsco/i;

/** EXIF Software / XMP CreatorTool / history agents naming an image editor. Bounded: header only. */
export async function editingSoftwareSignal(side: string, image: LoadedImage): Promise<Signal | null> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = (await exifr.parse(Buffer.from(image.encoded.buffer, image.encoded.byteOffset, image.encoded.length), {
      tiff: true,
      xmp: true,
      icc: false,
      iptc: false,
      jfif: false,
      ihdr: false,
      mergeOutput: true,
    })) as Record<string, unknown> | undefined;
  } catch {
    return null; // no or broken metadata is not evidence of editing
  }
  if (tags === undefined) return null;
  const fields = ["Software", "ProcessingSoftware", "CreatorTool", "HistorySoftwareAgent", "softwareAgent"];
  for (const name of fields) {
    const value = tags[name];
    const text = Array.isArray(value) ? value.join(", ") : typeof value === "string" ? value : "";
    if (EDITORS.test(text))
      return {
        code: "EDITING_SOFTWARE",
        score: 0.9,
        reason: `${side} image metadata names an image editor (${name}: ${text.slice(0, 80)})`,
      };
  }
  return null;
}

export function mrzSignals(mrz: MrzReading | null, hadBack: boolean): Signal[] {
  if (mrz === null)
    return hadBack
      ? [{ code: "MRZ_UNREADABLE", score: 0.3, reason: "no machine readable zone could be read on the back" }]
      : [];
  const signals: Signal[] = [];
  const resolution = lowResolutionSignal(mrz.rowHeightPx);
  if (resolution !== null) signals.push(resolution);
  for (const s of [lowConfidenceSignal(mrz), readsDisagreeSignal(mrz), stateCodeSignal(mrz)])
    if (s !== null) signals.push(s);
  const failed = mrz.data.checks.filter((c) => !c.valid).map((c) => c.name);
  if (failed.length === 0) return signals;
  return [
    ...signals,
    {
      code: "MRZ_CHECK_DIGIT_FAILED",
      score: 0.8,
      reason: `MRZ check digit wrong for ${failed.join(", ")} (after at most one confirmed OCR repair)`,
    },
  ];
}

/**
 * Scores of the reading signals: each sends the case to review (≥ 0.5) and none is evidence of
 * tampering (below the decision's HIGH_TAMPER_SCORE, 0.7, which rejects): a person reads the MRZ.
 */
const UNSURE_SCORE = { atThreshold: 0.5, atTie: 0.65 },
  UNKNOWN_CODE_SCORE = 0.6,
  DISAGREE_SCORE = 0.6;

/**
 * Fields whose characters the recogniser was unsure of (mrz/confidence.ts): their check digits may
 * pass on a wrong reading, and names and state codes have none. Scored from 0.5 at the threshold
 * margin to 0.65 at a tie between two characters.
 */
export function lowConfidenceSignal(mrz: Pick<MrzReading, "margin" | "data">): Signal | null {
  const unsure = unsureFields(mrz);
  const [least] = unsure;
  if (least === undefined) return null;
  // A margin is at least 0.5 (the chosen character is the likeliest the position allows).
  const shortfall = Math.min(1, Math.max(0, (UNSURE_MARGIN - least.margin) / (UNSURE_MARGIN - 0.5)));
  const { atThreshold, atTie } = UNSURE_SCORE;
  return {
    code: "MRZ_LOW_CONFIDENCE",
    score: Math.round((atThreshold + shortfall * (atTie - atThreshold)) * 100) / 100,
    reason:
      `MRZ read with characters the recogniser was unsure of in ${unsure.map((u) => `${u.field} (${u.margin.toFixed(2)})`).join(", ")}: ` +
      "a check digit can pass on a misread, and names and state codes have none",
  };
}

/**
 * Fields that another reading of the same rows read otherwise (mrz/agreement.ts): a field passing
 * its check digits in both readings (read.ts `secondReading`), or a check digit failing in the
 * reading that was replaced by one where it passes (`thickerReading`, `textureReading`). At least
 * one of the two is wrong, and the check digits cannot say which. A person reads the MRZ; the
 * reading is not changed.
 */
export function readsDisagreeSignal(mrz: Pick<MrzReading, "disagreements">): Signal | null {
  if (mrz.disagreements.length === 0) return null;
  return {
    code: "MRZ_READS_DISAGREE",
    score: DISAGREE_SCORE,
    reason:
      `two readings of the MRZ rows disagree on ${mrz.disagreements.join(", ")}: ` +
      "one of them is a misread, and the check digits cannot say which",
  };
}

/**
 * The issuing state and the nationality are ICAO 9303 codes (part 3: ISO 3166-1 alpha-3 and
 * ICAO's own, such as D, GBD, UNO, XXA, EUE, RKS), as the `mrz` package lists them (parse.ts
 * `knownCodes`). No check digit covers either, so an unknown one is a misread (`KQR` for KOR) or
 * not a real state's document (the ICAO specimens' Utopia, UTO).
 */
export function stateCodeSignal(mrz: Pick<MrzReading, "data">): Signal | null {
  const { issuingState, nationality, knownCodes } = mrz.data;
  const unknown = [
    ...(knownCodes.issuingState ? [] : [`issuing state "${issuingState}"`]),
    ...(knownCodes.nationality ? [] : [`nationality "${nationality}"`]),
  ];
  return unknown.length === 0
    ? null
    : {
        code: "MRZ_STATE_CODE_UNKNOWN",
        score: UNKNOWN_CODE_SCORE,
        reason: `MRZ ${unknown.join(" and ")} not an ICAO 9303 state code`,
      };
}

/**
 * MRZ rows at or above this height (the detector's box, ≈ 1.4 × the character height on the
 * real-photo set) are read as reliably as a full-size photo; at LEGIBLE_ROW_PX (characters ≈ 8 px)
 * the reading is still often right but one look-alike slip away from a wrong field that its check
 * digit may not catch (names have none).
 */
const SHARP_ROW_PX = 20,
  LEGIBLE_ROW_PX = 11;
/** Low resolution is a reason to look twice, not evidence of tampering: it stays below review (0.5). */
const MAX_LOW_RESOLUTION_SCORE = 0.45;

/** A small MRZ (a small or far-away photo) as a scored signal, rising as the rows shrink. */
export function lowResolutionSignal(rowHeightPx: number): Signal | null {
  if (rowHeightPx >= SHARP_ROW_PX) return null;
  const shortfall = Math.min(1, (SHARP_ROW_PX - rowHeightPx) / (SHARP_ROW_PX - LEGIBLE_ROW_PX));
  return {
    code: "LOW_RESOLUTION",
    score: Math.round(shortfall * MAX_LOW_RESOLUTION_SCORE * 100) / 100,
    reason: `MRZ rows are ${rowHeightPx} px high (characters ≈ ${Math.round(rowHeightPx / 1.4)} px): a small or distant photo, misreads are more likely`,
  };
}

const CORE_FIELDS: readonly DocumentFieldName[] = ["idNumber", "fullName", "dateOfBirth", "sex"];

/**
 * QR vs MRZ: both machine-readable. Id and dates are check-digit protected, so any difference is
 * strong evidence; the MRZ name line has no check digit, so a one-letter difference there is
 * more likely an OCR slip than an edit and scores low.
 */
export function qrMrzSignal(readings: Readings): Signal | null {
  let worst = 0;
  const diffs: string[] = [];
  for (const f of CORE_FIELDS) {
    const q = readings[f].qr,
      m = readings[f].mrz;
    if (
      q === undefined ||
      m === undefined ||
      sameValue(f, { source: "qr", value: q }, { source: "mrz", value: m }, readings.mrzNameCut)
    )
      continue;
    const score = f === "fullName" && editDistance(nameKey(q), nameKey(m)) <= 1 ? 0.3 : 0.95;
    worst = Math.max(worst, score);
    diffs.push(`${f} (QR "${q}", MRZ "${m}")`);
  }
  return diffs.length === 0
    ? null
    : { code: "QR_MRZ_MISMATCH", score: worst, reason: `QR and MRZ disagree on ${diffs.join(", ")}` };
}

/**
 * Printed text vs a machine-readable source. Names and addresses: differences that vanish after
 * folding diacritics or stay within OCR noise (≤ 20 % of the length) score low. Digits and dates:
 * weighted by the OCR line confidence.
 */
export function printMismatchSignal(
  readings: Readings,
  ocr: FrontOcrResult | null,
  against: "qr" | "mrz",
): Signal | null {
  if (ocr === null) return null;
  const confidence = (line: keyof FrontOcrResult["lines"]) => (ocr.lines[line]?.confidence ?? 0) / 100;
  let worst = 0;
  const reasons: string[] = [];
  for (const field of [...CORE_FIELDS, "address"] as DocumentFieldName[]) {
    const printed = readings[field].ocr,
      machine = readings[field][against];
    if (
      printed === undefined ||
      machine === undefined ||
      sameValue(field, { source: "ocr", value: printed }, { source: against, value: machine }, readings.mrzNameCut)
    )
      continue;
    let score: number;
    if (field === "fullName" || field === "address") {
      const a = nameKey(printed),
        b = nameKey(machine);
      const distance = editDistance(a, b);
      const relative = distance / Math.max(1, Math.max(a.length, b.length));
      score = distance === 0 ? 0.1 : relative <= 0.2 && distance <= 3 ? 0.3 : 0.9;
      // A large difference read with low confidence is more likely a bad crop than an edit.
      const line = field === "fullName" ? "fullName" : "addressLine1";
      if (confidence(line) < 0.8) score = Math.min(score, 0.45);
    } else if (field === "sex") {
      score = 0.6;
    } else {
      const line = field === "idNumber" ? "idNumber" : "dateOfBirth";
      score = 0.35 + 0.55 * confidence(line);
    }
    if (score > worst) worst = score;
    reasons.push(`${field} printed "${printed}" vs ${against.toUpperCase()} "${machine}"`);
  }
  if (reasons.length === 0) return null;
  return {
    code: against === "qr" ? "QR_PRINT_MISMATCH" : "MRZ_PRINT_MISMATCH",
    score: Math.round(worst * 100) / 100,
    reason: reasons.join("; "),
  };
}

/** Heavy recompression and front/back resolution inconsistency (same phone, same session). */
export function imageConsistencySignals(front: LoadedImage, back: LoadedImage | null): Signal[] {
  const signals: Signal[] = [];
  for (const [side, img] of [
    ["front", front],
    ["back", back],
  ] as const) {
    const q = img?.original.jpegQuality ?? null;
    if (q !== null && q < 50)
      signals.push({
        code: "RECOMPRESSED",
        score: 0.3,
        reason: `${side} image was saved at JPEG quality ≈ ${q} (heavy recompression hides edits)`,
      });
  }
  if (back !== null) {
    const f = front.original.width * front.original.height,
      b = back.original.width * back.original.height;
    const ratio = Math.max(f, b) / Math.max(1, Math.min(f, b));
    const qf = front.original.jpegQuality,
      qb = back.original.jpegQuality;
    if (ratio > 2.5)
      signals.push({
        code: "RESOLUTION_INCONSISTENT",
        score: 0.4,
        reason: `front and back differ ${ratio.toFixed(1)}× in pixel count`,
      });
    else if (qf !== null && qb !== null && Math.abs(qf - qb) >= 30)
      signals.push({
        code: "RESOLUTION_INCONSISTENT",
        score: 0.4,
        reason: `front and back were saved at very different JPEG qualities (${qf} vs ${qb})`,
      });
  }
  return signals;
}
