/**
 * Synthetic CCCD test sets with ground truth: made-up people, both sides rendered, photographed
 * with degradations, and tampered variants. Deterministic from a seed. Used by tests and the
 * documents benchmark; can also be run by hand:
 *
 *   node --import tsx scripts/cards/generate.ts <outDir> [count] [seed]
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { FRONT_PORTRAIT } from "../../node/src/ekyc/document/layout.ts";
import { capture, type CaptureOptions } from "./capture.ts";
import { td1Lines } from "./mrz.ts";
import { makePerson, printedDate, qrPayload, type SyntheticPerson } from "./people.ts";
import { createRng, type Rng } from "./random.ts";
import { portraitPng, renderBack, renderFront } from "./render.ts";

export const DEGRADATIONS = ["clean", "rotate", "perspective", "blur", "jpeg", "noise", "glare", "lowres"] as const;
/**
 * Phone-capture degradations (issue 17, scripts/cards/phone.ts), each at a strength drawn from its
 * range, on top of a phone's JPEG quality of 50–90: a set of its own (`generateCardSet` with
 * `degradations: PHONE_DEGRADATIONS`), reported apart by bench:documents.
 */
export const PHONE_DEGRADATIONS = [
  "phone-jpeg",
  "motion-blur",
  "defocus",
  "glare-spots",
  "low-light",
  "tilt",
  "moire",
  "finger",
  "small",
] as const;
export const TAMPERS = ["edited-text", "swapped-portrait", "mrz-check-digit", "qr-mismatch", "exif-editor"] as const;
export type Degradation = (typeof DEGRADATIONS)[number] | (typeof PHONE_DEGRADATIONS)[number];
export type Tamper = (typeof TAMPERS)[number];

export interface GeneratedCard {
  id: string;
  person: SyntheticPerson;
  degradation: Degradation;
  /**
   * How strong the degradation is: "mild" ones must still read 100 % from QR and MRZ; "phone" for
   * the phone-capture degradations, whose strength is drawn from a range.
   */
  severity: "none" | "mild" | "strong" | "phone";
  tamper: Tamper | null;
  /** What the tamper changed, for reports (e.g. the edited field). */
  tamperDetail: string;
  frontPath: string;
  backPath: string;
  capture: CaptureOptions;
}

function degradationOptions(
  kind: Degradation,
  rng: Rng,
  force?: "mild" | "strong",
): { options: CaptureOptions; severity: GeneratedCard["severity"] } {
  const coin = rng.next() < 0.5;
  const strong = force === undefined ? coin : force === "strong";
  const severity = kind === "clean" ? "none" : strong ? "strong" : "mild";
  const sign = rng.next() < 0.5 ? -1 : 1;
  switch (kind) {
    case "clean":
      return { options: { jpegQuality: 92 }, severity };
    case "rotate":
      return {
        options: { rotationDeg: sign * (strong ? 8 + rng.next() * 7 : 1 + rng.next() * 5), jpegQuality: 90 },
        severity,
      };
    case "perspective":
      return { options: { perspective: strong ? 0.035 : 0.015, jpegQuality: 90 }, severity };
    case "blur":
      return { options: { blurSigma: strong ? 2.2 : 1.1, jpegQuality: 90 }, severity };
    case "jpeg":
      return { options: { jpegQuality: strong ? rng.int(30, 45) : rng.int(60, 90) }, severity };
    case "noise":
      return { options: { noiseSigma: strong ? 16 : 7, jpegQuality: 90 }, severity };
    case "glare":
      return { options: { glare: true, jpegQuality: 90 }, severity };
    case "lowres":
      return { options: { longSide: strong ? 720 : 960, jpegQuality: 88 }, severity };
    case "phone-jpeg":
    case "motion-blur":
    case "defocus":
    case "glare-spots":
    case "low-light":
    case "tilt":
    case "moire":
    case "finger":
    case "small":
      return { options: phoneOptions(kind, rng), severity: "phone" };
  }
}

/**
 * A phone capture: one degradation at a strength from its range, and a JPEG quality of 50–90. Shared
 * by the card sets and the passport sets (passport-set.ts): one way of degrading a photo.
 */
export function phoneOptions(kind: (typeof PHONE_DEGRADATIONS)[number], rng: Rng): CaptureOptions {
  const jpegQuality = rng.int(50, 90);
  switch (kind) {
    case "phone-jpeg":
      return { jpegQuality };
    case "motion-blur":
      return { motionBlur: { length: 3 + rng.next() * 6, degrees: rng.next() * 180 }, jpegQuality };
    case "defocus":
      return { defocusRadius: 1 + rng.next() * 2, jpegQuality };
    case "glare-spots":
      return { glareSpots: rng.int(2, 6), jpegQuality };
    case "low-light":
      return { lowLight: { exposure: 0.2 + rng.next() * 0.3, noise: 2 + rng.next() * 3 }, jpegQuality };
    case "tilt":
      return {
        tilt: { degrees: (rng.next() < 0.5 ? -1 : 1) * (10 + rng.next() * 20), axis: rng.pick(["x", "y"] as const) },
        jpegQuality,
      };
    case "moire":
      return {
        moire: { period: 3 + rng.next() * 3, degrees: rng.next() * 180, strength: 0.15 + rng.next() * 0.2 },
        jpegQuality,
      };
    case "finger":
      return { finger: rng.pick(["top", "right", "bottom", "left"] as const), jpegQuality };
    case "small":
      return { longSide: rng.int(300, 800), jpegQuality };
  }
}

/** A different value for one printed field, as a forger would write it. */
function editedField(
  person: SyntheticPerson,
  rng: Rng,
): { field: "fullName" | "dateOfBirth" | "idNumber"; value: string } {
  const field = rng.pick(["fullName", "dateOfBirth", "idNumber"] as const);
  if (field === "fullName") {
    let other = makePerson(rng);
    while (other.fullName === person.fullName) other = makePerson(rng);
    return { field, value: other.fullName };
  }
  if (field === "dateOfBirth") {
    const [y, m, d] = person.dateOfBirth.split("-").map(Number) as [number, number, number];
    const shifted = new Date(Date.UTC(y - rng.int(2, 9), m - 1, Math.min(d, 28)));
    return { field, value: printedDate(shifted.toISOString().slice(0, 10)) };
  }
  const digits = person.idNumber.split("");
  const i = rng.int(6, 11);
  digits[i] = String((Number(digits[i]) + rng.int(1, 9)) % 10);
  return { field, value: digits.join("") };
}

/** Builds one card (both sides) and writes its two photos into `dir`. */
export async function generateCard(
  dir: string,
  index: number,
  seed: number,
  degradation: Degradation,
  tamper: Tamper | null,
  severity?: "mild" | "strong",
): Promise<GeneratedCard> {
  const rng = createRng(seed * 1_000_003 + index);
  const person = makePerson(rng);
  const portrait = await portraitPng(rng);
  const { options, severity: actualSeverity } = degradationOptions(degradation, rng, severity);
  let qrText = qrPayload(person);
  let overrides: Parameters<typeof renderFront>[3] = {};
  let mrz = td1Lines(person);
  let portraitImage = portrait.png;
  let tamperDetail = "";
  const captureOptions: CaptureOptions = { ...options };
  switch (tamper) {
    case "edited-text": {
      const edit = editedField(person, rng);
      overrides = { [edit.field]: edit.value };
      tamperDetail = `printed ${edit.field} changed`;
      break;
    }
    case "swapped-portrait": {
      // The forger pastes someone else's photo, scaled from a low-quality source.
      const other = await portraitPng(rng, portrait.source);
      const small = await sharp(other.png)
        .resize(Math.round(FRONT_PORTRAIT.width / 2.2))
        .jpeg({ quality: 35 })
        .toBuffer();
      portraitImage = await sharp(small)
        .resize(FRONT_PORTRAIT.width, FRONT_PORTRAIT.height, { fit: "cover" })
        .png()
        .toBuffer();
      tamperDetail = `portrait replaced (${portrait.source} → ${other.source})`;
      break;
    }
    case "mrz-check-digit": {
      const line = mrz[1];
      const wrong = String((Number(line[6]) + rng.int(1, 9)) % 10);
      mrz = [mrz[0], line.slice(0, 6) + wrong + line.slice(7), mrz[2]];
      tamperDetail = "date-of-birth check digit altered";
      break;
    }
    case "qr-mismatch": {
      const other = {
        ...person,
        ...(rng.next() < 0.5
          ? { nameAsWritten: makePerson(rng).nameAsWritten }
          : { dateOfBirth: `${Number(person.dateOfBirth.slice(0, 4)) - 3}${person.dateOfBirth.slice(4, 8)}15` }),
      };
      qrText = qrPayload(other);
      tamperDetail = "QR payload differs from the printed card";
      break;
    }
    case "exif-editor":
      captureOptions.exifSoftware = rng.pick(["Adobe Photoshop 25.0 (Windows)", "GIMP 2.10.34", "Snapseed 2.0"]);
      tamperDetail = `EXIF Software: ${captureOptions.exifSoftware}`;
      break;
    case null:
      break;
  }
  // The ghost image is engraved from the photo the card was issued with: a swap leaves it unchanged.
  const frontCard = await renderFront(person, portraitImage, qrText, overrides, portrait.png);
  const backCard = await renderBack(person, mrz);
  const front = await capture(frontCard, rng, captureOptions);
  const back = await capture(backCard, rng, { ...captureOptions });
  const id = `card-${String(index).padStart(4, "0")}`;
  const ext = captureOptions.jpegQuality === 0 ? "png" : "jpg";
  const frontPath = join(dir, `${id}-front.${ext}`);
  const backPath = join(dir, `${id}-back.${ext}`);
  await writeFile(frontPath, front);
  await writeFile(backPath, back);
  return {
    id,
    person,
    degradation,
    severity: actualSeverity,
    tamper,
    tamperDetail,
    frontPath,
    backPath,
    capture: captureOptions,
  };
}

export interface CardSetOptions {
  dir: string;
  count: number;
  seed: number;
  /** Fraction of cards that get a tamper (default 0.25); the rest are honest. */
  tamperRate?: number;
  /** Restrict degradations (default: all). */
  degradations?: readonly Degradation[];
  tampers?: readonly Tamper[];
}

/** Generates `count` cards cycling through degradations, with tampered cards mixed in. */
export async function generateCardSet(options: CardSetOptions): Promise<GeneratedCard[]> {
  await mkdir(options.dir, { recursive: true });
  const degradations = options.degradations ?? DEGRADATIONS;
  const tampers = options.tampers ?? TAMPERS;
  const tamperEvery = options.tamperRate === 0 ? Infinity : Math.max(1, Math.round(1 / (options.tamperRate ?? 0.25)));
  const cards: GeneratedCard[] = [];
  let tamperIndex = 0;
  for (let i = 0; i < options.count; i++) {
    const isTampered = tampers.length > 0 && i % tamperEvery === tamperEvery - 1;
    const tamper = isTampered ? (tampers[tamperIndex++ % tampers.length] ?? null) : null;
    // Tampered cards are photographed clean or mildly degraded: the question is detection, not OCR.
    const degradation = isTampered ? "clean" : (degradations[i % degradations.length] ?? "clean");
    cards.push(await generateCard(options.dir, i, options.seed, degradation, tamper));
  }
  await writeFile(join(options.dir, "manifest.json"), JSON.stringify(cards, null, 2));
  return cards;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir = "/tmp/kycnet-cards", count = "20", seed = "1"] = process.argv.slice(2);
  const cards = await generateCardSet({ dir, count: Number(count), seed: Number(seed) });
  process.stdout.write(`${cards.length} cards in ${dir} (manifest.json has the ground truth)\n`);
}
