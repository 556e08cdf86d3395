/**
 * Labelled face sets laid out as one sub-folder per person (the layout of ../shared/eval/faces):
 * lists the images and all unordered pairs, genuine (same folder) and impostor (different folders).
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
/** The shared evaluation faces; override with KYCNET_FACE_EVAL_DIR. */
export const DEFAULT_FACE_EVAL_DIR =
  process.env.KYCNET_FACE_EVAL_DIR ?? path.resolve(REPO_ROOT, "../shared/eval/faces");

const IMAGE_EXT = /\.(png|jpe?g|webp)$/i;

export interface LabelledImage {
  readonly person: string;
  readonly file: string;
}

export interface LabelledPair {
  readonly a: number;
  readonly b: number;
  readonly genuine: boolean;
}

export async function listLabelledImages(dir: string): Promise<LabelledImage[]> {
  const people = (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const images: LabelledImage[] = [];
  for (const person of people) {
    const files = (await readdir(path.join(dir, person))).filter((f) => IMAGE_EXT.test(f)).sort();
    for (const f of files) images.push({ person, file: path.join(dir, person, f) });
  }
  return images;
}

/** Every unordered pair of distinct images, labelled. */
export function allPairs(images: readonly LabelledImage[]): LabelledPair[] {
  const pairs: LabelledPair[] = [];
  for (let a = 0; a < images.length; a++) {
    for (let b = a + 1; b < images.length; b++) pairs.push({ a, b, genuine: images[a]!.person === images[b]!.person });
  }
  return pairs;
}
