/**
 * The MRZ reader the pipeline uses: PaddleOCR on a worker thread (mrz/reader.ts), on a real
 * generated card, and what callers get once it is closed.
 */
import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadImage } from "../../../../node/src/ekyc/document/image.ts";
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
    const cards = await Promise.all([generateCard(dir, 0, 5, "clean", null), generateCard(dir, 1, 5, "rotate", null, "mild")]);
    const images = await Promise.all(cards.map(async (c) => loadImage("back", new Uint8Array(await readFile(c.backPath)))));
    const readings = await Promise.all(images.map((img) => reader.read({ data: img.gray, width: img.width, height: img.height }, NOW)));
    readings.forEach((r, i) => {
      expect(r?.lines).to.deep.equal([...td1Lines(cards[i]!.person)]);
      expect(r?.data.valid).to.equal(true);
    });
  });
  it("answers null for an image with no text", async () => {
    const blank = { data: new Uint8Array(400 * 300).fill(235), width: 400, height: 300 };
    expect(await reader.read(blank, NOW)).to.equal(null);
  });
  it("refuses work once closed, with OCR_ENGINE_UNAVAILABLE", async () => {
    const closing = await startMrzReader();
    await closing.close();
    await expectCode(closing.read({ data: new Uint8Array(400 * 300), width: 400, height: 300 }, NOW), "OCR_ENGINE_UNAVAILABLE");
  });
});
