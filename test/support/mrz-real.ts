/**
 * The real-photo MRZ set: its hand transcriptions and sources live in test/fixtures/mrz-real; the
 * images themselves are public specimen photos that this repository does not carry (material
 * fetched from other projects is kept only in the workplace's shared data, never committed here),
 * so they are read from `KYCNET_MRZ_REAL_DIR`, by default `../shared/eval/mrz-real` beside the
 * repository (the same place as the eval faces). Reads each image with the document pipeline
 * (optionally downscaled, the small-photo case) and scores the reads. Shared by the test on the dev
 * split and by `bench:documents`, so both count the same way.
 */
import { access, readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import sharp from "sharp";
import { KycnetError } from "@kycnet/sdk/errors";
import { parseMrz, type MrzData } from "../../node/src/ekyc/document/mrz/parse.ts";
import { readDocument, type DocumentEngines } from "../../node/src/ekyc/document/index.ts";

const MANIFEST = new URL("../fixtures/mrz-real/transcriptions.json", import.meta.url);
const IMAGES = process.env.KYCNET_MRZ_REAL_DIR
  ? pathToFileURL(process.env.KYCNET_MRZ_REAL_DIR.replace(/\/?$/, "/"))
  : new URL("../../../shared/eval/mrz-real/", import.meta.url);

/** True when the image `file` of the set is where `IMAGES` says. */
const imagePresent = (file: string): Promise<boolean> =>
  access(new URL(file, IMAGES)).then(
    () => true,
    () => false,
  );

/** True when the images of the set are where `IMAGES` says (they are not in this repository). */
export async function realPhotosPresent(): Promise<boolean> {
  const manifest = JSON.parse(await readFile(MANIFEST, "utf8")) as { images: RealPhoto[] };
  for (const image of manifest.images) if (!(await imagePresent(image.file))) return false;
  return true;
}

/**
 * One photo of the set with its transcription, or null when its image is not on this machine (the
 * caller's case is then skipped, never passed).
 */
export async function presentRealPhoto(file: string): Promise<RealPhoto | null> {
  const manifest = JSON.parse(await readFile(MANIFEST, "utf8")) as { images: RealPhoto[] };
  const photo = manifest.images.find((image) => image.file === file);
  if (photo === undefined) throw new Error(`${file} is not in the real-photo set`);
  return (await imagePresent(file)) ? photo : null;
}

/** Where the images are looked for, for messages. */
export const realPhotosDir = (): string => IMAGES.pathname;

/** The hand transcriptions (for a peer reader run on the same images). */
export const realPhotosManifest = (): string => MANIFEST.pathname;

/** What a peer reader (bench:documents, KYCNET_MRZ_PEER) reports per image. */
export interface PeerRead {
  file: string;
  /** The MRZ lines it read, null when none. */
  lines: string[] | null;
  /** Its own verdict: every check digit valid. */
  valid: boolean;
}

export interface PeerSummary {
  images: number;
  legible: number;
  fullyValid: number;
  exact: number;
  readValidWhenPrintedInvalid: number;
}

/** Scores a peer's reads of one split as `summarise` scores ours (valid against legible, exact). */
export function summarisePeer(photos: readonly RealPhoto[], reads: readonly PeerRead[]): PeerSummary {
  const byFile = new Map(reads.map((r) => [r.file, r]));
  const scored = photos.map((photo) => ({ photo, read: byFile.get(photo.file) }));
  return {
    images: photos.length,
    legible: photos.filter((p) => p.printedValid).length,
    fullyValid: scored.filter((s) => s.photo.printedValid && s.read?.valid === true).length,
    exact: scored.filter((s) => s.read?.lines?.join("\n") === s.photo.lines.join("\n")).length,
    readValidWhenPrintedInvalid: scored.filter((s) => !s.photo.printedValid && s.read?.valid === true).length,
  };
}

export type Split = "dev" | "heldout";

export interface RealPhoto {
  split: Split;
  file: string;
  kind: string;
  /** Hand transcription of the printed MRZ. */
  lines: string[];
  /** Every printed check digit valid. */
  printedValid: boolean;
}

export async function loadRealPhotos(split: Split): Promise<RealPhoto[]> {
  const manifest = JSON.parse(await readFile(MANIFEST, "utf8")) as { images: RealPhoto[] };
  return manifest.images.filter((image) => image.split === split);
}

/** The fields compared against the transcription (what onboarding takes from an MRZ). */
const FIELDS = [
  "documentCode",
  "issuingState",
  "documentNumber",
  "dateOfBirth",
  "sex",
  "expiryDate",
  "nationality",
  "surname",
  "givenNames",
  "optionalData",
] as const satisfies ReadonlyArray<keyof MrzData>;

export interface RealPhotoRead {
  photo: RealPhoto;
  /** The MRZ lines read, null when none. */
  lines: string[] | null;
  /** The reading has every check digit valid. */
  valid: boolean;
  /** The reading is the transcription, character for character. */
  exact: boolean;
  fieldsCorrect: number;
  fieldsTotal: number;
  /** Error code and message when the pipeline refused the image. */
  refusal: string | null;
  /** The reading was flagged as possibly misread (MRZ_LOW_CONFIDENCE or MRZ_READS_DISAGREE). */
  flagged: boolean;
  /** Other readings of its rows read it otherwise (MRZ_READS_DISAGREE). */
  disagreed: boolean;
  ms: number;
}

const NOW = new Date("2026-01-15T00:00:00Z");

/**
 * Reads one image of the set, downscaled to `width` px wide first when given (never enlarged), and
 * turned clockwise by `angle` degrees when given (each a JPEG re-encoding at quality 90).
 */
export async function readRealPhoto(
  engines: DocumentEngines,
  photo: RealPhoto,
  width?: number,
  angle?: number,
): Promise<RealPhotoRead> {
  let bytes = new Uint8Array(await readFile(new URL(photo.file, IMAGES)));
  // Never enlarged: an image already narrower than `width` (a card back 282 px wide) is read as it is
  // re-encoded, so "@300 px" means at most 300 px wide.
  if (width !== undefined)
    bytes = new Uint8Array(
      await sharp(bytes).resize({ width, withoutEnlargement: true }).jpeg({ quality: 90 }).toBuffer(),
    );
  if (angle !== undefined) bytes = new Uint8Array(await sharp(bytes).rotate(angle).jpeg({ quality: 90 }).toBuffer());
  const truth = parseMrz(photo.lines, NOW);
  const started = performance.now();
  let lines: string[] | null = null,
    refusal: string | null = null,
    flagged = false,
    disagreed = false;
  try {
    const result = await readDocument({ front: bytes }, { engines, now: NOW, skipOcr: true });
    lines = result.evidence.mrzLines;
    flagged = result.signals.some((s) => s.code === "MRZ_LOW_CONFIDENCE" || s.code === "MRZ_READS_DISAGREE");
    disagreed = result.signals.some((s) => s.code === "MRZ_READS_DISAGREE");
  } catch (error) {
    if (!(error instanceof KycnetError)) throw error;
    refusal = `${error.code}: ${error.message}`;
  }
  const ms = performance.now() - started;
  const read = lines === null ? null : parseMrz(lines, NOW);
  const fieldsCorrect = read === null ? 0 : FIELDS.filter((f) => read[f] === truth[f]).length;
  return {
    photo,
    lines,
    valid: read?.valid === true,
    exact: lines !== null && lines.join("\n") === photo.lines.join("\n"),
    fieldsCorrect,
    fieldsTotal: FIELDS.length,
    refusal,
    flagged,
    disagreed,
    ms,
  };
}

export interface RealPhotoSummary {
  images: number;
  /** Images whose printed MRZ is valid. */
  legible: number;
  /** Of those, read with every check digit valid. */
  fullyValid: number;
  /** Read exactly as transcribed (all images). */
  exact: number;
  /** Images whose printed MRZ is invalid but were read as valid: must stay 0. */
  readValidWhenPrintedInvalid: number;
  fieldAccuracy: number;
  refusals: Record<string, string>;
  p50Ms: number;
  p95Ms: number;
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
};

export function summarise(reads: readonly RealPhotoRead[]): RealPhotoSummary {
  const correct = reads.reduce((sum, r) => sum + r.fieldsCorrect, 0);
  const total = reads.reduce((sum, r) => sum + r.fieldsTotal, 0);
  return {
    images: reads.length,
    legible: reads.filter((r) => r.photo.printedValid).length,
    fullyValid: reads.filter((r) => r.photo.printedValid && r.valid).length,
    exact: reads.filter((r) => r.exact).length,
    readValidWhenPrintedInvalid: reads.filter((r) => !r.photo.printedValid && r.valid).length,
    fieldAccuracy: total === 0 ? 0 : Math.round((correct / total) * 1000) / 1000,
    refusals: Object.fromEntries(reads.filter((r) => r.refusal !== null).map((r) => [r.photo.file, r.refusal ?? ""])),
    p50Ms: Math.round(
      percentile(
        reads.map((r) => r.ms),
        50,
      ),
    ),
    p95Ms: Math.round(
      percentile(
        reads.map((r) => r.ms),
        95,
      ),
    ),
  };
}
