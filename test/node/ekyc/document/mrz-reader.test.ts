/**
 * The MRZ reader the pipeline uses: PaddleOCR on a worker thread (mrz/reader.ts), on a real
 * generated card, and what callers get once it is closed.
 */
import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { loadImage } from "../../../../node/src/ekyc/document/image.ts";
import { rotateQuarter } from "../../../../node/src/ekyc/document/mrz/read.ts";
import { startMrzReader, type MrzReader } from "../../../../node/src/ekyc/document/mrz/reader.ts";
import { generateCard } from "../../../../scripts/cards/generate.ts";
import { td1Lines } from "../../../../scripts/cards/mrz.ts";
import { expectCode } from "../../../support/expect-code.ts";

const NOW = new Date("2026-01-15T00:00:00Z");

describe("MRZ reader on its worker thread", function () {
  this.timeout(60_000);
  let dir: string;
  let reader: MrzReader;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kycnet-mrz-reader-"));
    reader = await startMrzReader();
  });
  after(async () => {
    await reader?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("reads the MRZ of a generated card, two cards at once", async () => {
    const cards = await Promise.all([
      generateCard(dir, 0, 5, "clean", null),
      generateCard(dir, 1, 5, "rotate", null, "mild"),
    ]);
    const images = await Promise.all(
      cards.map(async (c) => loadImage("back", new Uint8Array(await readFile(c.backPath)))),
    );
    const readings = await Promise.all(
      images.map(
        async (img) => (await reader.read({ data: img.gray, width: img.width, height: img.height }, NOW)).reading,
      ),
    );
    readings.forEach((r, i) => {
      expect(r?.lines).to.deep.equal([...td1Lines(cards[i]!.person)]);
      expect(r?.data.valid).to.equal(true);
    });
  });

  /** The card's back photographed turned by `angle` (JPEG, quality 90), read by the reader. */
  async function readTurned(card: { backPath: string }, angle: number, background?: string) {
    const turned = await sharp(await readFile(card.backPath))
      .rotate(angle, background === undefined ? {} : { background })
      .jpeg({ quality: 90 })
      .toBuffer();
    const img = await loadImage("back", new Uint8Array(turned));
    return (await reader.read({ data: img.gray, width: img.width, height: img.height }, NOW)).reading;
  }

  for (const angle of [90, 180, 270]) {
    it(`reads a card photographed turned by ${angle}°`, async () => {
      const card = await generateCard(dir, 10 + angle, 5, "clean", null);
      const reading = await readTurned(card, angle);
      expect(reading?.lines).to.deep.equal([...td1Lines(card.person)]);
      expect(reading?.attempt).to.not.equal("native");
    });
  }
  // Generated cards of the bench:documents set (seed 2026) whose squeezed rows, turned by about
  // 20°, read wrong with every check digit passing before unsure rows were read again at full
  // width (mrz/read.ts, MIN_SQUEEZED_CONFIDENCE).
  for (const { index, angle } of [
    { index: 16, angle: -20 },
    { index: 24, angle: 200 },
    { index: 24, angle: 290 },
  ]) {
    it(`reads card ${index} photographed skewed by ${angle}° exactly, not a wrong MRZ whose check digits pass`, async () => {
      const card = await generateCard(dir, index, 2026, "clean", null);
      const reading = await readTurned(card, angle, "#6b6b6b");
      expect(reading?.lines).to.deep.equal([...td1Lines(card.person)]);
      // Each character carries the recogniser's confidence; read at full width, these rows are sure.
      expect(reading?.confidence.map((line) => line.length)).to.deep.equal([30, 30, 30]);
      expect(Math.min(...(reading?.confidence.slice(0, 2).flat() ?? [0]))).to.be.at.least(0.5);
    });
  }
  // Cards of the same set that, turned a quarter, were read along their columns as an MRZ with a
  // document code and a date of birth (every character at confidence ≈ 0) and so never turned.
  for (const { index, angle } of [
    { index: 8, angle: 270 },
    { index: 56, angle: 90 },
  ]) {
    it(`reads card ${index} turned by ${angle}°, not its columns forced into an MRZ`, async () => {
      const card = await generateCard(dir, index, 2026, "clean", null);
      const reading = await readTurned(card, angle);
      expect(reading?.lines).to.deep.equal([...td1Lines(card.person)]);
      expect(reading?.attempt).to.match(/^rotated-90/);
    });
  }
  it("turns an image a quarter clockwise", () => {
    // 3 × 2:  1 2 3      →  2 × 3:  4 1
    //         4 5 6                 5 2
    //                               6 3
    const turned = rotateQuarter({ data: Uint8Array.from([1, 2, 3, 4, 5, 6]), width: 3, height: 2 });
    expect(turned).to.deep.include({ width: 2, height: 3 });
    expect([...turned.data]).to.deep.equal([4, 1, 5, 2, 6, 3]);
  });
  it("answers null for an image with no text", async () => {
    const blank = { data: new Uint8Array(400 * 300).fill(235), width: 400, height: 300 };
    const { reading, trace } = await reader.read(blank, NOW);
    expect(reading).to.equal(null);
    // Nothing there, not given up: no row to recognise on a blank image.
    expect(trace).to.deep.include({ recognised: 0, exhausted: false });
  });
  it("refuses work once closed, with OCR_ENGINE_UNAVAILABLE", async () => {
    const closing = await startMrzReader();
    await closing.close();
    await expectCode(
      closing.read({ data: new Uint8Array(400 * 300), width: 400, height: 300 }, NOW),
      "OCR_ENGINE_UNAVAILABLE",
    );
  });
});
