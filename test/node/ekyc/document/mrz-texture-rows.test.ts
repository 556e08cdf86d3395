/**
 * MRZ rows found by their texture, without the text detector (mrz/texture-rows.ts), and the
 * reading of them that read.ts does when the detector's rows read nothing valid: on generated card
 * backs, level and turned, blurred and small so that the detector's rows read nothing valid; and
 * a blank photo and a page of printed text, still refused. Real engines (PaddleOCR ONNX on its
 * worker); the real dev photos are in mrz-real.test.ts.
 */
import { expect } from "chai";
import sharp from "sharp";
import {
  createDocumentEngines,
  DocumentNotFoundError,
  readDocument,
  type DocumentEngines,
} from "../../../../node/src/ekyc/document/index.ts";
import { loadImage } from "../../../../node/src/ekyc/document/image.ts";
import { BACK_MRZ_TEXT, CARD_WIDTH } from "../../../../node/src/ekyc/document/layout.ts";
import { parseMrz } from "../../../../node/src/ekyc/document/mrz/parse.ts";
import { textureReading, type MrzReading } from "../../../../node/src/ekyc/document/mrz/read.ts";
import { MRZ_ALPHABET } from "../../../../node/src/ekyc/document/mrz/repair.ts";
import { loadPaddleOcr } from "../../../../node/src/ekyc/document/ocr/paddle.ts";
import { startMrzReader, type MrzReader } from "../../../../node/src/ekyc/document/mrz/reader.ts";
import { textureRows } from "../../../../node/src/ekyc/document/mrz/texture-rows.ts";
import type { GrayImage } from "../../../../node/src/ekyc/document/ocr/gray.ts";
import type { TextBox } from "../../../../node/src/ekyc/document/ocr/text-boxes.ts";
import { td1Lines } from "../../../../scripts/cards/mrz.ts";
import { makePerson } from "../../../../scripts/cards/people.ts";
import { createRng } from "../../../../scripts/cards/random.ts";
import { renderBack } from "../../../../scripts/cards/render.ts";

const NOW = new Date("2026-01-15T00:00:00Z");

/** Baselines of the MRZ rows on a generated card back (where scripts/cards/render.ts prints them), card pixels. */
const MRZ_BASELINES = [0, 1, 2].map((i) => BACK_MRZ_TEXT.y + i * BACK_MRZ_TEXT.pitch);

async function grayOf(bytes: Uint8Array): Promise<GrayImage> {
  const image = await loadImage("back", bytes);
  return { data: image.gray, width: image.width, height: image.height };
}

/** A generated card back `width` px wide, turned by `angle`° on grey, blurred by `sigma`, as a JPEG. */
async function photographedBack(seed: number, width: number, options: { angle?: number; sigma?: number } = {}) {
  const person = makePerson(createRng(seed));
  let image = sharp(await renderBack(person)).resize(width);
  if (options.angle !== undefined)
    image = sharp(await image.png().toBuffer()).rotate(options.angle, { background: "#6b6b6b" });
  if (options.sigma !== undefined) image = image.blur(options.sigma);
  return { person, bytes: new Uint8Array(await image.jpeg({ quality: 90 }).toBuffer()) };
}

const degrees = (box: TextBox): number => (Math.atan2(box.uy, box.ux) * 180) / Math.PI;

describe("MRZ rows found by their texture", function () {
  this.timeout(300_000);

  describe("locating the rows", () => {
    it("finds the three MRZ rows of a level card back on their baselines", async () => {
      const width = 900,
        scale = width / CARD_WIDTH;
      const rows = await textureRows(await grayOf((await photographedBack(1, width)).bytes));
      for (const baseline of MRZ_BASELINES) {
        // The row's centre lies above its baseline by about half a capital's height (≈ 14 card px).
        const row = rows.find((r) => Math.abs(r.cy - (baseline - 14) * scale) < 8 * scale);
        expect(row, `row at baseline ${baseline}: ${JSON.stringify(rows)}`).to.not.equal(undefined);
        expect(Math.abs(degrees(row!))).to.be.below(1);
        // A TD1 row spans about 880 of the card's 1012 px.
        expect(row!.length / scale).to.be.within(800, 1000);
      }
    });

    for (const angle of [-25, 25]) {
      it(`finds them on a card back photographed turned by ${angle}°, at its angle`, async () => {
        const scale = 900 / CARD_WIDTH;
        const rows = await textureRows(await grayOf((await photographedBack(2, 900, { angle })).bytes));
        // Whole rows, not pieces of them: found again with the photo turned level.
        const tilted = rows.filter((r) => Math.abs(degrees(r) - angle) < 2 && r.length / scale > 800);
        expect(tilted.length, JSON.stringify(rows.map(degrees))).to.be.at.least(3);
      });
    }

    it("finds no rows on a blank photo", async () => {
      const blank = await sharp({ create: { width: 600, height: 400, channels: 3, background: "#f4f4f4" } })
        .jpeg()
        .toBuffer();
      expect(await textureRows(await grayOf(new Uint8Array(blank)))).to.deep.equal([]);
    });
  });

  describe("reading them when the detector's rows read nothing valid", () => {
    // Card backs 300 px wide blurred by σ 1.6 (characters ≈ 7 px, their strokes smeared): the
    // detector boxes their rows, but none of the six read valid from its boxes (measured when
    // texture rows were added). Read from rows found by their texture, at full width, three read
    // valid; the other three read nothing valid (refused, never a wrong MRZ passing its check digits).
    const SEEDS = [1, 2, 3, 4, 5, 6];
    const blurred = (seed: number) => photographedBack(seed, 300, { sigma: 1.6 });

    /** The reading's fields guarded by check digits are the person's. */
    function expectCheckedFieldsRight(reading: MrzReading, person: ReturnType<typeof makePerson>, seed: number) {
      const truth = parseMrz([...td1Lines(person)], NOW);
      expect(reading.data.documentNumber, `seed ${seed}`).to.equal(truth.documentNumber);
      expect(reading.data.dateOfBirth, `seed ${seed}`).to.equal(truth.dateOfBirth);
      expect(reading.data.expiryDate, `seed ${seed}`).to.equal(truth.expiryDate);
    }

    it("reads 3 of 6 blurred small card backs from their texture rows alone, each field its check digit guards right", async () => {
      const engine = await loadPaddleOcr({ alphabet: MRZ_ALPHABET });
      const read: number[] = [];
      for (const seed of SEEDS) {
        const { person, bytes } = await blurred(seed);
        const reading = await textureReading(engine, await grayOf(bytes), NOW);
        if (reading === null) continue;
        expect(reading.data.valid).to.equal(true);
        expect(reading.attempt, `seed ${seed}`).to.match(/^texture/);
        expectCheckedFieldsRight(reading, person, seed);
        read.push(seed);
      }
      expect(read).to.deep.equal([1, 4, 5]);
    });

    describe("through the MRZ reader", () => {
      let reader: MrzReader;
      before(async () => {
        reader = await startMrzReader();
      });
      after(async () => {
        await reader?.close();
      });

      it("reads at least those 3 of the 6 valid, each field its check digit guards right", async () => {
        const read: number[] = [];
        for (const seed of SEEDS) {
          const { person, bytes } = await blurred(seed);
          const { reading } = await reader.read(await grayOf(bytes), NOW);
          if (reading === null || !reading.data.valid) continue;
          expectCheckedFieldsRight(reading, person, seed);
          read.push(seed);
        }
        // At least: a better reading of the detector's rows may read more of them.
        expect(read).to.include.members([1, 4, 5]);
      });
    });
  });

  describe("photos without an MRZ", () => {
    let engines: DocumentEngines;
    before(async () => {
      engines = await createDocumentEngines();
    });
    after(async () => {
      await engines?.close();
    });

    /** A page of printed prose: pairs of long, parallel, evenly spaced lines, as an MRZ's rows are. */
    async function printedPage(): Promise<Uint8Array> {
      const words = "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG AND RUNS AWAY FROM THE RIVER BANK";
      const lines = Array.from(
        { length: 14 },
        (_, i) =>
          `<text x="40" y="${60 + i * 34}" font-family="DejaVu Sans Mono" font-size="22" fill="#1a1a1a">${words.slice(i % 5, 60 + (i % 5))}</text>`,
      );
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="560"><rect width="900" height="560" fill="#fff"/>${lines.join("")}</svg>`;
      return new Uint8Array(await sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer());
    }

    it("still refuses a page of printed text as not found, saying why", async () => {
      const page = await printedPage();
      // The page's lines are rows to the texture search: what refuses them is their reading.
      expect((await textureRows(await grayOf(page))).length).to.be.at.least(2);
      const error = await readDocument({ front: page }, { engines, now: NOW, skipOcr: true }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(DocumentNotFoundError);
      expect((error as DocumentNotFoundError).message).to.include("no MRZ");
      expect((error as DocumentNotFoundError).details)
        .to.have.property("reason")
        .that.includes("900 x 560 px");
    });
    it("still refuses a blank photo as not found, saying why", async () => {
      const blank = await sharp({ create: { width: 600, height: 400, channels: 3, background: "#fff" } })
        .jpeg()
        .toBuffer();
      const error = await readDocument({ front: new Uint8Array(blank) }, { engines, now: NOW, skipOcr: true }).catch(
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(DocumentNotFoundError);
      expect((error as DocumentNotFoundError).details)
        .to.have.property("reason")
        .that.includes("600 x 400 px");
    });
  });
});
