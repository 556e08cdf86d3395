/**
 * A card back's MRZ read from its layout (mrz/layout-rows.ts, mrz/row-alignment.ts) on generated
 * cards with the real PaddleOCR models: the same lines as the detector's search, and that search
 * whenever the layout's reading is not sure.
 */
import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { loadImage } from "../../../../node/src/ekyc/document/image.ts";
import {
  alignedLayoutRows,
  layoutRowBoxes,
  readCardMrz,
  readLayoutRows,
  sureReading,
} from "../../../../node/src/ekyc/document/mrz/layout-rows.ts";
import { readMrz } from "../../../../node/src/ekyc/document/mrz/read.ts";
import { startMrzReader } from "../../../../node/src/ekyc/document/mrz/reader.ts";
import { alignRow } from "../../../../node/src/ekyc/document/mrz/row-alignment.ts";
import type { GrayImage } from "../../../../node/src/ekyc/document/ocr/gray.ts";
import { loadPaddleOcr, type PaddleOcr } from "../../../../node/src/ekyc/document/ocr/paddle.ts";
import { backFrame } from "../../../../node/src/ekyc/document/ocr/rectify.ts";
import { generateCard } from "../../../../scripts/cards/generate.ts";
import { td1Lines } from "../../../../scripts/cards/mrz.ts";

const NOW = new Date("2026-01-15T00:00:00Z");

async function grayOf(bytes: Uint8Array): Promise<GrayImage> {
  const img = await loadImage("back", bytes);
  return { data: img.gray, width: img.width, height: img.height };
}

/** The back's frame as read-document.ts hands it to the reader: the edges' homography, else the bright area's guess. */
function frameOf(gray: GrayImage) {
  const frame = backFrame(gray);
  return frame.homography ?? frame.affine;
}

describe("MRZ rows from a card back's layout", function () {
  this.timeout(120_000);
  let dir: string;
  let engine: PaddleOcr;
  /** Lines recognised by `engine` since the last reset. */
  let recognised = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kycnet-mrz-layout-"));
    const real = await loadPaddleOcr();
    engine = {
      findLines: (image, longSide) => real.findLines(image, longSide),
      readLines: (image, boxes, alphabet, options) => {
        recognised += boxes.length;
        return real.readLines(image, boxes, alphabet, options);
      },
    };
  });
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("reads clean, perspective and noisy backs from the layout: the same lines as the detector's search", async () => {
    const cards = [
      await generateCard(dir, 0, 2026, "clean", null),
      await generateCard(dir, 1, 2026, "perspective", null, "mild"),
      await generateCard(dir, 2, 2026, "noise", null, "strong"),
    ];
    for (const card of cards) {
      const gray = await grayOf(new Uint8Array(await readFile(card.backPath)));
      const fromLayout = await readCardMrz(engine, gray, NOW, frameOf(gray));
      const searched = await readMrz(engine, gray, NOW);
      expect(fromLayout?.attempt, card.degradation).to.equal("layout");
      expect(fromLayout?.lines).to.deep.equal([...td1Lines(card.person)]);
      expect(fromLayout?.lines).to.deep.equal(searched?.lines);
      expect(fromLayout?.data.valid).to.equal(true);
    }
  });

  it("falls back to the detector's search on a failed check digit, which stays failed", async () => {
    const card = await generateCard(dir, 3, 2026, "clean", "mrz-check-digit");
    const gray = await grayOf(new Uint8Array(await readFile(card.backPath)));
    expect(alignedLayoutRows(gray, frameOf(gray))).to.not.equal(null);
    expect(await readLayoutRows(engine, gray, frameOf(gray), NOW)).to.equal(null);
    const reading = await readCardMrz(engine, gray, NOW, frameOf(gray));
    const searched = await readMrz(engine, gray, NOW);
    expect(reading?.attempt).to.not.equal("layout");
    expect(reading?.data.valid).to.equal(false);
    expect(reading?.lines).to.deep.equal(searched?.lines);
  });

  /** A generated back turned by `angle` degrees on a dark background (JPEG 90), as a working image. */
  async function turnedBack(index: number, angle: number) {
    const card = await generateCard(dir, index, 2026, "clean", null);
    const turned = await sharp(await readFile(card.backPath))
      .rotate(angle, { background: "#504030" })
      .jpeg({ quality: 90 })
      .toBuffer();
    return { card, gray: await grayOf(new Uint8Array(turned)) };
  }

  it("does not recognise the layout's rows of a card turned further than its frame knows: the search reads it", async () => {
    const { card, gray } = await turnedBack(4, 12);
    expect(alignedLayoutRows(gray, frameOf(gray))).to.equal(null);
    recognised = 0;
    expect(await readLayoutRows(engine, gray, frameOf(gray), NOW)).to.equal(null);
    expect(recognised).to.equal(0);
    const reading = await readCardMrz(engine, gray, NOW, frameOf(gray));
    expect(reading?.attempt).to.not.equal("layout");
    expect(reading?.lines).to.deep.equal([...td1Lines(card.person)]);
  });

  it("reads a card turned 4° from its edges' frame, and skips the upright guess, whose rows turn too far", async () => {
    const { card, gray } = await turnedBack(4, 4);
    const frame = backFrame(gray);
    expect(alignedLayoutRows(gray, frame.affine)).to.equal(null);
    recognised = 0;
    expect(await readLayoutRows(engine, gray, frame.affine, NOW)).to.equal(null);
    expect(recognised).to.equal(0);
    expect(frame.homography).to.not.equal(null);
    const reading = await readCardMrz(engine, gray, NOW, frame.homography);
    expect(reading?.attempt).to.equal("layout");
    expect(reading?.lines).to.deep.equal([...td1Lines(card.person)]);
  });

  it("puts a box placed off its row back on the row's ink, and finds no row where there is no ink", async () => {
    const card = await generateCard(dir, 8, 2026, "clean", null);
    const gray = await grayOf(new Uint8Array(await readFile(card.backPath)));
    const [row] = layoutRowBoxes(frameOf(gray));
    const onInk = alignRow(gray, row!)!;
    for (const shift of [-9, 9]) {
      const moved = alignRow(gray, { ...row!, cy: row!.cy + shift })!;
      expect(Math.abs(moved.cy - onInk.cy), `shifted ${shift} px`).to.be.below(2);
    }
    const blank: GrayImage = {
      data: new Uint8Array(gray.width * gray.height).fill(235),
      width: gray.width,
      height: gray.height,
    };
    expect(alignRow(blank, row!)).to.equal(null);
  });

  it("is sure only of a valid reading with no repair and no character under its margin (above MRZ_LOW_CONFIDENCE's)", async () => {
    const card = await generateCard(dir, 6, 2026, "clean", null);
    const gray = await grayOf(new Uint8Array(await readFile(card.backPath)));
    const reading = (await readLayoutRows(engine, gray, frameOf(gray), NOW))!;
    expect(sureReading(reading)).to.equal(true);
    const unsure = { ...reading, margin: reading.margin.map((line, i) => (i === 2 ? [0.7, ...line.slice(1)] : line)) };
    expect(sureReading(unsure)).to.equal(false);
    const repaired = { ...reading, repairs: [{ line: 1, index: 3, from: "O", to: "0", why: "digit" }] };
    expect(sureReading(repaired)).to.equal(false);
    expect(sureReading(null)).to.equal(false);
  });

  it("reads from the layout on the reader's worker thread when given the back's frame", async () => {
    const reader = await startMrzReader();
    try {
      const card = await generateCard(dir, 7, 2026, "clean", null);
      const gray = await grayOf(new Uint8Array(await readFile(card.backPath)));
      const withFrame = (await reader.read(gray, NOW, frameOf(gray))).reading;
      const without = (await reader.read(gray, NOW)).reading;
      expect(withFrame?.attempt).to.equal("layout");
      expect(without?.attempt).to.not.equal("layout");
      expect(withFrame?.lines).to.deep.equal(without?.lines);
    } finally {
      await reader.close();
    }
  });
});
