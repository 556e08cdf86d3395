/**
 * Shared fixtures of the biometrics tests: the real ONNX model (loaded once per test process and
 * reused by every file), the eval faces decoded once, and images the fake model understands.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import type { FaceModel } from "../../../../node/src/ekyc/biometrics/face-model.ts";
import { loadOnnxFaceModel } from "../../../../node/src/ekyc/biometrics/onnx/onnx-face-model.ts";
import { decodeImage, type RgbImage } from "../../../../node/src/ekyc/biometrics/image.ts";
import { DEFAULT_FACE_EVAL_DIR } from "../../../../node/src/ekyc/biometrics/eval-set.ts";
import { readFace } from "../../../../node/src/ekyc/biometrics/face-reader.ts";
import { stillFace as stillFaceOf } from "../../../../scripts/faces/synthetic-frames.ts";

export const EVAL_DIR = DEFAULT_FACE_EVAL_DIR;

let shared: Promise<FaceModel> | null = null;
/** The real model, shared by all biometrics test files (never closed: the process ends). */
export function sharedOnnxModel(): Promise<FaceModel> {
  shared ??= loadOnnxFaceModel();
  return shared;
}

export async function evalBytes(person: string, n: number): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path.join(EVAL_DIR, person, `${person}${n}.png`)));
}

export async function evalImage(person: string, n: number): Promise<RgbImage> {
  return decodeImage(await evalBytes(person, n));
}

/** A still face prepared for synthetic frames (box centre, half width, 68 landmarks). */
export async function stillFace(model: FaceModel, person: string, n: number) {
  const image = await evalImage(person, n);
  return stillFaceOf(image, await readFace(model, image));
}

/** Places images side by side (same height) on a grey canvas: e.g. two faces in one picture. */
export function sideBySide(images: readonly RgbImage[], gap = 40): RgbImage {
  const height = Math.max(...images.map((i) => i.height));
  const width = images.reduce((s, i) => s + i.width, 0) + gap * (images.length + 1);
  const data = new Uint8Array(width * height * 3).fill(127);
  let x0 = gap;
  for (const img of images) {
    for (let y = 0; y < img.height; y++)
      data.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), (y * width + x0) * 3);
    x0 += img.width + gap;
  }
  return { width, height, data };
}

/** A textured image whose mean colour is `rgb`: the fake model's notion of a person. */
export function fakeFace(rgb: readonly [number, number, number], seed: number, size = 96): RgbImage {
  const data = new Uint8Array(size * size * 3);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size * size; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const d = (s % 41) - 20; // zero-mean texture
    for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.max(0, Math.min(255, rgb[c]! + d));
  }
  return { width: size, height: size, data };
}

export function flatImage(size = 96, value = 127): RgbImage {
  return { width: size, height: size, data: new Uint8Array(size * size * 3).fill(value) };
}

export async function png(image: RgbImage): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}
