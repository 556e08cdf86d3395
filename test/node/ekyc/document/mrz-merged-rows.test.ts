/**
 * MRZ rows the text detector boxes together with other words on the same line (mrz/row-block.ts):
 * a generated card back with a date or a word printed before each of its MRZ rows, as a card's
 * front photographed beside its back puts the front's dates there; and the real Serbian specimen
 * photographed that way (from KYCNET_MRZ_REAL_DIR, skipped without it). Real engines.
 */
import { expect } from "chai";
import sharp from "sharp";
import {
  createDocumentEngines,
  DocumentNotFoundError,
  readDocument,
  type DocumentEngines,
} from "../../../../node/src/ekyc/document/index.ts";
import { BACK_MRZ_TEXT, CARD_WIDTH, CARD_HEIGHT } from "../../../../node/src/ekyc/document/layout.ts";
import { td1Lines } from "../../../../scripts/cards/mrz.ts";
import { makePerson } from "../../../../scripts/cards/people.ts";
import { createRng } from "../../../../scripts/cards/random.ts";
import { renderBack } from "../../../../scripts/cards/render.ts";
import { presentRealPhoto, readRealPhoto, realPhotosDir } from "../../../support/mrz-real.ts";

const NOW = new Date("2026-01-15T00:00:00Z");

/** Left edge and baselines of the MRZ rows on a generated card back (where scripts/cards/render.ts prints them). */
const MRZ_LEFT = BACK_MRZ_TEXT.x,
  MRZ_BASELINES = [0, 1, 2].map((i) => BACK_MRZ_TEXT.y + i * BACK_MRZ_TEXT.pitch);
/** White space added left of the card for the words, and the gap between a word and its MRZ row. */
const MARGIN = 300,
  GAP = 25;

/** What is printed before each MRZ row: a card's front beside its back puts its dates there. */
const WORDS = ["24072008", "24072013", "BEOGRAD"];

/**
 * A card back with WORDS printed before its MRZ rows, on their lines, downscaled to 900 px wide
 * (characters ≈ 20 px high). `mrz`: the rows printed, the person's unless a test alters them.
 */
async function backWithWordsBeforeMrz(seed: number, mrz?: readonly string[]) {
  const person = makePerson(createRng(seed));
  const words = WORDS.map(
    (word, i) =>
      `<text x="${MARGIN + MRZ_LEFT - GAP}" y="${MRZ_BASELINES[i]}" font-family="DejaVu Sans" font-size="42" text-anchor="end" fill="#1a1a1a">${word}</text>`,
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${CARD_WIDTH + MARGIN}" height="${CARD_HEIGHT}">${words.join("")}</svg>`;
  const photo = await sharp({
    create: { width: CARD_WIDTH + MARGIN, height: CARD_HEIGHT, channels: 3, background: "#ffffff" },
  })
    .composite([
      { input: await renderBack(person, mrz), left: MARGIN, top: 0 },
      { input: Buffer.from(svg), left: 0, top: 0 },
    ])
    .png()
    .toBuffer();
  const bytes = await sharp(photo).resize(900).jpeg({ quality: 90 }).toBuffer();
  return { person, bytes: new Uint8Array(bytes) };
}

describe("MRZ rows joined with other words on their lines", function () {
  this.timeout(300_000);
  let engines: DocumentEngines;
  before(async () => {
    engines = await createDocumentEngines();
  });
  after(async () => {
    await engines?.close();
  });

  // Measured before row-block.ts: all three refused DOCUMENT_NOT_FOUND (the rows read
  // `24072008IDVNM…`, `24072013…`, `BEOGRADVU<<…`: no cut of a TD1 was tried).
  for (const seed of [1, 2, 3]) {
    it(`reads the MRZ of generated card back ${seed} with a date or a word printed before each row, exactly`, async () => {
      const { person, bytes } = await backWithWordsBeforeMrz(seed);
      const result = await readDocument({ front: bytes }, { engines, now: NOW, skipOcr: true });
      expect(result.evidence.mrzLines).to.deep.equal(td1Lines(person));
      expect(result.signals.map((s) => s.code)).to.not.include("MRZ_CHECK_DIGIT_FAILED");
    });
  }

  it("never reads a cut of such rows as valid when a printed check digit is wrong", async () => {
    const person = makePerson(createRng(1));
    const lines = td1Lines(person);
    const composite = Number(lines[1].charAt(29));
    const altered = [lines[0], `${lines[1].slice(0, 29)}${(composite + 1) % 10}`, lines[2]];
    const { bytes } = await backWithWordsBeforeMrz(1, altered);
    const result = await readDocument({ front: bytes }, { engines, now: NOW, skipOcr: true }).catch((e: unknown) => e);
    expect(result, "the altered card was read as a valid MRZ").to.be.instanceOf(DocumentNotFoundError);
  });

  it("reads the Serbian specimen photographed front beside back, each MRZ row boxed with the front's dates", async function () {
    const photo = await presentRealPhoto("dev/srb-id-card-small.png");
    if (photo === null) {
      console.warn(`      dev/srb-id-card-small.png not found at ${realPhotosDir()}: skipped`);
      this.skip();
    }
    // Measured before row-block.ts: refused DOCUMENT_NOT_FOUND.
    const read = await readRealPhoto(engines, photo);
    expect(read.refusal).to.equal(null);
    expect(read.lines).to.deep.equal(photo.lines);
  });
});
