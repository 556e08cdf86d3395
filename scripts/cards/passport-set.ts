/**
 * Synthetic passport sets with ground truth: made-up foreign nationals (passport.ts), their data
 * page rendered and photographed either plainly (`clean`: the page on a table, as the passport
 * tests and the demo photograph it) or through a phone (`PHONE_DEGRADATIONS`: the very options and
 * `capture` the card sets use, one effect at a strength from its range and a JPEG quality of 50–90).
 * Deterministic from a seed. Used by bench:documents and the passport tests; can be run by hand:
 *
 *   node --import tsx scripts/cards/passport-set.ts <outDir> [count] [seed]
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { capture, type CaptureOptions } from "./capture.ts";
import { PHONE_DEGRADATIONS, phoneOptions } from "./generate.ts";
import { makePassportHolder, photographPage, renderPassportPage, type PassportHolder } from "./passport.ts";
import { createRng } from "./random.ts";
import { portraitPng } from "./render.ts";

export const PASSPORT_CAPTURES = ["clean", ...PHONE_DEGRADATIONS] as const;
export type PassportCapture = (typeof PASSPORT_CAPTURES)[number];

export interface GeneratedPassport {
  id: string;
  holder: PassportHolder;
  degradation: PassportCapture;
  /** The phone effect's options, or null for the plain photo of the page. */
  capture: CaptureOptions | null;
  path: string;
}

/** Builds one passport and writes the photo of its data page into `dir`. */
export async function generatePassport(
  dir: string,
  index: number,
  seed: number,
  degradation: PassportCapture,
): Promise<GeneratedPassport> {
  const rng = createRng(seed * 1_000_003 + index);
  const holder = makePassportHolder(rng);
  const portrait = await portraitPng(rng);
  const page = await renderPassportPage(holder, portrait.png);
  const options = degradation === "clean" ? null : phoneOptions(degradation, rng);
  const photo = options === null ? await photographPage(page, rng) : await capture(page, rng, options);
  const id = `passport-${String(index).padStart(4, "0")}`;
  const path = join(dir, `${id}.jpg`);
  await writeFile(path, photo);
  return { id, holder, degradation, capture: options, path };
}

export interface PassportSetOptions {
  dir: string;
  count: number;
  seed: number;
  /** Cycled through in order (default: clean, then each phone effect). */
  degradations?: readonly PassportCapture[];
}

/** Generates `count` passports cycling through the degradations; writes `manifest.json` beside them. */
export async function generatePassportSet(options: PassportSetOptions): Promise<GeneratedPassport[]> {
  await mkdir(options.dir, { recursive: true });
  const degradations = options.degradations ?? PASSPORT_CAPTURES;
  const passports: GeneratedPassport[] = [];
  for (let i = 0; i < options.count; i++)
    passports.push(
      await generatePassport(options.dir, i, options.seed, degradations[i % degradations.length] ?? "clean"),
    );
  await writeFile(join(options.dir, "manifest.json"), JSON.stringify(passports, null, 2));
  return passports;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir = "/tmp/kycnet-passports", count = "10", seed = "1"] = process.argv.slice(2);
  const passports = await generatePassportSet({ dir, count: Number(count), seed: Number(seed) });
  process.stdout.write(`${passports.length} passports in ${dir} (manifest.json has the ground truth)\n`);
}
