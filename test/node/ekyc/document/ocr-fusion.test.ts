/**
 * The rewrite of the PaddleOCR graphs into their cheaper equivalent (ocr/onnx-fusion.ts) and the
 * protobuf wire codec under it (ocr/protobuf-wire.ts): on the pinned models themselves (the same
 * outputs as the original graphs on a real card's MRZ row and page, within float rounding) and on a
 * small hand-built model (each pattern folded, and left alone when an intermediate has another
 * reader). Real onnxruntime sessions throughout.
 */
import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import sharp from "sharp";
import { loadImage } from "../../../../node/src/ekyc/document/image.ts";
import { fuseLcnetActivations, restrictOutputClasses } from "../../../../node/src/ekyc/document/ocr/onnx-fusion.ts";
import { MRZ_ALPHABET } from "../../../../node/src/ekyc/document/mrz/repair.ts";
import { expectCode } from "../../../support/expect-code.ts";
import { defaultPaddleAssetsDir, loadPaddleOcr, sampleStrip } from "../../../../node/src/ekyc/document/ocr/paddle.ts";
import {
  decodeMessage,
  encodeMessage,
  messageField,
  stringField,
  varintField,
  varintValue,
  int64Values,
  WireFormatError,
  type WireField,
} from "../../../../node/src/ekyc/document/ocr/protobuf-wire.ts";
import { generateCard } from "../../../../scripts/cards/generate.ts";

const SESSION: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
};

async function run(model: Uint8Array, input: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, SESSION);
  try {
    const out = await session.run({ [session.inputNames[0] as string]: new ort.Tensor("float32", input, dims) });
    return out[session.outputNames[0] as string]?.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Largest value minus smallest (no spread: the outputs have hundreds of thousands of values). */
const spread = (values: Float32Array): number =>
  values.reduce((max, v) => Math.max(max, v), -Infinity) - values.reduce((min, v) => Math.min(min, v), Infinity);

const maxDifference = (a: Float32Array, b: Float32Array): number =>
  a.reduce((max, v, i) => Math.max(max, Math.abs(v - (b[i] as number))), 0);

describe("protobuf wire codec", () => {
  it("decodes and re-encodes the pinned recogniser byte for byte", async () => {
    const bytes = new Uint8Array(await readFile(join(defaultPaddleAssetsDir(), "ch_PP-OCRv4_rec_infer.onnx")));
    const again = encodeMessage(decodeMessage(bytes));
    expect(again.length).to.equal(bytes.length);
    expect(Buffer.from(again).equals(Buffer.from(bytes))).to.equal(true);
  });
  it("refuses truncated input and groups with WireFormatError", () => {
    expect(() => decodeMessage(Uint8Array.from([0x0a, 0x05, 0x41]))).to.throw(
      WireFormatError,
      /field 1 at byte 0: premature EOF/,
    );
    expect(() => decodeMessage(Uint8Array.from([0x08, 0x80]))).to.throw(
      WireFormatError,
      /field 1 at byte 0: premature EOF/,
    );
    expect(() => decodeMessage(Uint8Array.from([0x0b]))).to.throw(WireFormatError, /wire type 3/);
  });
  it("reads int64 values one by one and packed, negative ones included", () => {
    // field 1 packed: 3, 300, -1 (ten bytes, as int64 writes it); field 2 unpacked: 7
    const packed = Uint8Array.from([0x03, 0xac, 0x02, ...Array<number>(9).fill(0xff), 0x01]);
    const [first, second] = decodeMessage(encodeMessage([{ field: 1, type: 2, bytes: packed }, varintField(2, 7)]));
    expect(int64Values(first!)).to.deep.equal([3, 300, -1]);
    expect(int64Values(second!)).to.deep.equal([7]);
    expect(() => varintValue(first!)).to.throw(WireFormatError, /not a varint/);
  });
});

describe("fusing the PaddleOCR graphs", function () {
  this.timeout(120_000);
  /** Detector input: a generated card's back (MRZ side) at 640 × 416, and the recogniser's: its MRZ rows. */
  const inputs = { detection: new Float32Array(), recognition: [] as Float32Array[] };
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kycnet-ocr-fusion-"));
    const card = await generateCard(dir, 0, 5, "clean", null);
    const back = await loadImage("back", new Uint8Array(await readFile(card.backPath)));
    const image = { data: back.gray, width: back.width, height: back.height };
    const page = await sharp(back.gray, { raw: { width: back.width, height: back.height, channels: 1 } })
      .resize(640, 416, { fit: "fill" })
      .toColourspace("b-w")
      .raw()
      .toBuffer();
    inputs.detection = Float32Array.from(
      { length: 3 * page.length },
      (_, i) => (page[i % page.length] as number) / 127.5 - 1,
    );
    const engine = await loadPaddleOcr();
    const rows = (await engine.findLines(image, 640)).sort((a, b) => b.length - a.length).slice(0, 3);
    expect(rows).to.have.length(3);
    inputs.recognition = rows.map((box) => {
      const strip = sampleStrip(image, box, 640, 48);
      return Float32Array.from({ length: 3 * strip.length }, (_, i) => (strip[i % strip.length] as number) / 127.5 - 1);
    });
  });
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("rewrites the recogniser into a graph with the same probabilities on each MRZ row", async () => {
    const original = new Uint8Array(await readFile(join(defaultPaddleAssetsDir(), "ch_PP-OCRv4_rec_infer.onnx")));
    const fused = fuseLcnetActivations(original);
    expect(fused.counts).to.deep.equal({ affineIntoConv: 28, hardSwish: 28, affineIntoNextConv: 12 });
    expect(fused.model.length).to.be.lessThan(original.length);
    for (const row of inputs.recognition) {
      const [before, after] = [await run(original, row, [1, 3, 48, 640]), await run(fused.model, row, [1, 3, 48, 640])];
      expect(after.length).to.equal(before.length);
      expect(maxDifference(before, after)).to.be.lessThan(1e-4);
      expect(spread(before)).to.be.greaterThan(0.5); // confident characters: the comparison means something
    }
  });

  it("cuts the recogniser's classifier to the MRZ's symbols: the full output renormalised over them, per frame", async () => {
    const original = new Uint8Array(await readFile(join(defaultPaddleAssetsDir(), "ch_PP-OCRv4_rec_infer.onnx")));
    const dictionary = (await readFile(join(defaultPaddleAssetsDir(), "ppocr_keys_v1.txt"), "utf8")).split("\n");
    // Column of a symbol: 1 + its first line in the dictionary (0 is the CTC blank).
    const classes = [0, ...[...MRZ_ALPHABET].map((ch) => dictionary.indexOf(ch) + 1)];
    expect(classes.slice(1).every((c) => c > 0)).to.equal(true);
    const fused = fuseLcnetActivations(original).model;
    const cut = restrictOutputClasses(fused, classes);
    expect(cut).to.not.equal(null);
    expect(cut!.length).to.be.lessThan(fused.length);
    for (const row of inputs.recognition) {
      const [full, kept] = [await run(fused, row, [1, 3, 48, 640]), await run(cut!, row, [1, 3, 48, 640])];
      const frames = full.length / 6625;
      expect(kept.length).to.equal(frames * classes.length);
      const renormalised = new Float32Array(kept.length);
      for (let t = 0; t < frames; t++) {
        const total = classes.reduce((sum, c) => sum + (full[t * 6625 + c] as number), 0);
        classes.forEach((c, k) => {
          renormalised[t * classes.length + k] = (full[t * 6625 + c] as number) / total;
        });
      }
      expect(maxDifference(renormalised, kept)).to.be.lessThan(1e-5);
      expect(spread(kept)).to.be.greaterThan(0.5); // confident characters: the comparison means something
    }
  });

  it("leaves a model whose output is not a classifier alone, and reads only the symbols kept", async () => {
    const detector = new Uint8Array(await readFile(join(defaultPaddleAssetsDir(), "ch_PP-OCRv4_det_infer.onnx")));
    expect(restrictOutputClasses(detector, [0, 1, 2])).to.equal(null);
    const engine = await loadPaddleOcr({ alphabet: MRZ_ALPHABET });
    const box = { cx: 100, cy: 30, ux: 1, uy: 0, length: 180, thickness: 40, score: 1 };
    const image = { data: new Uint8Array(200 * 60).fill(255), width: 200, height: 60 };
    expect((await engine.readLines(image, [box], "<0A"))[0]?.alphabet).to.equal("<0A");
    await expectCode(engine.readLines(image, [box], "é"), "OCR_ENGINE_UNAVAILABLE");
  });

  it("rewrites the detector into a graph with the same text map on the card's page", async () => {
    const original = new Uint8Array(await readFile(join(defaultPaddleAssetsDir(), "ch_PP-OCRv4_det_infer.onnx")));
    const fused = fuseLcnetActivations(original);
    expect(fused.counts).to.deep.equal({ affineIntoConv: 25, hardSwish: 24, affineIntoNextConv: 13 });
    const dims = [1, 3, 416, 640];
    const [before, after] = [
      await run(original, inputs.detection, dims),
      await run(fused.model, inputs.detection, dims),
    ];
    expect(maxDifference(before, after)).to.be.lessThan(1e-4);
    expect(spread(before)).to.be.greaterThan(0.5); // text found: the comparison means something
  });
});

// ---- a small hand-built model: Conv 3×3 → ·a +b → hard-swish → ·s +t → Conv 1×1

const tensor = (dims: number[], values: number[]): WireField[] => {
  const raw = new Uint8Array(values.length * 4);
  values.forEach((v, i) => new DataView(raw.buffer).setFloat32(i * 4, v, true));
  return [...dims.map((d) => varintField(1, d)), varintField(2, 1), { field: 9, type: 2, bytes: raw }];
};
const constant = (name: string, dims: number[], values: number[]): WireField =>
  messageField(1, [
    stringField(2, name),
    stringField(4, "Constant"),
    messageField(5, [stringField(1, "value"), messageField(5, tensor(dims, values)), varintField(20, 4)]),
  ]);
const node = (op: string, inputs: string[], output: string, attributes: WireField[][] = []): WireField =>
  messageField(1, [
    ...inputs.map((i) => stringField(1, i)),
    stringField(2, output),
    stringField(4, op),
    ...attributes.map((a) => messageField(5, a)),
  ]);
const ints = (name: string, values: number[]): WireField[] => [
  stringField(1, name),
  ...values.map((v) => varintField(8, v)),
  varintField(20, 7),
];
/** A graph input (11) or output (12): a float tensor of the given shape. */
const valueInfo = (field: number, name: string, dims: number[]): WireField =>
  messageField(field, [
    stringField(1, name),
    messageField(2, [
      messageField(1, [
        varintField(1, 1),
        messageField(
          2,
          dims.map((d) => messageField(1, [varintField(1, d)])),
        ),
      ]),
    ]),
  ]);

/** The pattern of PP-LCNetV3 on 2 channels; `alsoOutput` makes an intermediate a graph output too. */
function smallModel(alsoOutput: string | null): Uint8Array {
  const weights3 = Array.from({ length: 2 * 2 * 9 }, (_, i) => Math.sin(i * 1.7) * 0.5);
  const weights1 = [0.8, -0.3, 0.4, 1.1];
  const nodes = [
    constant("w3", [2, 2, 3, 3], weights3),
    constant("b3", [2], [0.1, -0.2]),
    constant("a", [1], [1.3]),
    constant("b", [1], [-0.4]),
    constant("three", [], [3]),
    constant("zero", [], [0]),
    constant("six", [], [6]),
    constant("s", [1], [0.7]),
    constant("t", [1], [0.25]),
    constant("w1", [2, 2, 1, 1], weights1),
    constant("b1", [2], [0.05, 0.3]),
    node("Conv", ["x", "w3", "b3"], "c", [ints("pads", [1, 1, 1, 1]), ints("kernel_shape", [3, 3])]),
    node("Mul", ["a", "c"], "ca"),
    node("Add", ["ca", "b"], "y"),
    node("Add", ["y", "three"], "y3"),
    node("Clip", ["y3", "zero", "six"], "clipped"),
    node("Mul", ["y", "clipped"], "product"),
    node("Div", ["product", "six"], "h"),
    node("Mul", ["s", "h"], "hs"),
    node("Add", ["hs", "t"], "ht"),
    node("Conv", ["ht", "w1", "b1"], "out", [ints("kernel_shape", [1, 1])]),
  ];
  const graph = [
    ...nodes,
    stringField(2, "small"),
    valueInfo(11, "x", [1, 2, 5, 6]),
    valueInfo(12, "out", [1, 2, 5, 6]),
    ...(alsoOutput === null ? [] : [valueInfo(12, alsoOutput, [1, 2, 5, 6])]),
  ];
  return encodeMessage([
    varintField(1, 7), // ir_version
    messageField(7, graph),
    messageField(8, [stringField(1, ""), varintField(2, 11)]), // opset 11
  ]);
}

describe("fusing a small model of the same pattern", () => {
  const input = Float32Array.from({ length: 2 * 5 * 6 }, (_, i) => Math.cos(i * 0.9) * 4);

  it("folds each affine into its convolution and rewrites the hard-swish, outputs unchanged", async () => {
    const model = smallModel(null);
    const fused = fuseLcnetActivations(model);
    expect(fused.counts).to.deep.equal({ affineIntoConv: 1, hardSwish: 1, affineIntoNextConv: 1 });
    const [before, after] = [await run(model, input, [1, 2, 5, 6]), await run(fused.model, input, [1, 2, 5, 6])];
    expect(maxDifference(before, after)).to.be.lessThan(1e-5);
    // Inputs on both sides of the hard-swish's bends (y < -3, -3 < y < 3, y > 3) took part.
    expect(spread(before)).to.be.greaterThan(1);
  });

  it("leaves a pattern alone when an intermediate is read elsewhere (here: a graph output)", async () => {
    const model = smallModel("ca");
    const fused = fuseLcnetActivations(model);
    expect(fused.counts.affineIntoConv).to.equal(0);
    expect(fused.counts.hardSwish).to.equal(1);
    const [before, after] = [await run(model, input, [1, 2, 5, 6]), await run(fused.model, input, [1, 2, 5, 6])];
    expect(maxDifference(before, after)).to.be.lessThan(1e-5);
  });
});
