import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { DocumentNotFoundError } from "../../../../node/src/ekyc/document/errors.ts";
import { loadImage } from "../../../../node/src/ekyc/document/image.ts";
import { createDocumentEngines, readDocument, type DocumentEngines } from "../../../../node/src/ekyc/document/index.ts";
import {
  budgeted,
  BudgetSpent,
  MRZ_RECOGNITION_BUDGET,
  newSearchTrace,
  searchStopNote,
  SECOND_READING_RESERVE,
} from "../../../../node/src/ekyc/document/mrz/budget.ts";
import { MIN_SQUEEZED_ROW_PX, readMrz } from "../../../../node/src/ekyc/document/mrz/read.ts";
import { MRZ_ALPHABET } from "../../../../node/src/ekyc/document/mrz/repair.ts";
import { createFakePaddleOcr } from "../../../../node/src/ekyc/document/ocr/fake-paddle.ts";
import type { GrayImage } from "../../../../node/src/ekyc/document/ocr/gray.ts";
import { loadPaddleOcr, type PaddleOcr } from "../../../../node/src/ekyc/document/ocr/paddle.ts";
import type { TextBox } from "../../../../node/src/ekyc/document/ocr/text-boxes.ts";
import { generateCard } from "../../../../scripts/cards/generate.ts";
import { td1Lines } from "../../../../scripts/cards/mrz.ts";
import { makePerson } from "../../../../scripts/cards/people.ts";
import { createRng } from "../../../../scripts/cards/random.ts";

const NOW = new Date("2026-01-15T00:00:00Z");
const truth = td1Lines(makePerson(createRng(1777)));
const image = { data: new Uint8Array(1600 * 1000), width: 1600, height: 1000 };
const row = (cy: number, thickness = 40): TextBox => ({
  cx: 700,
  cy,
  ux: 1,
  uy: 0,
  length: 20 * thickness,
  thickness,
  score: 0.9,
});
/** Ten long lines of printed text with fillers, as an MRZ's rows have, and nothing valid among them. */
const fillerProse = Array.from({ length: 10 }, (_, i) => ({
  box: row(40 + 80 * i),
  text: `THEQUICK<<BROWNFOX${i}JUMPS<<OVERTHELAZYDOG`,
}));

describe("MRZ recognition budget (scripted recogniser)", () => {
  it("counts every row the search recognises, and a legible MRZ is read in a few", async () => {
    const engine = createFakePaddleOcr(truth.map((text, i) => ({ box: row(600 + 60 * i), text })));
    const trace = newSearchTrace();
    const got = await readMrz(engine, image, NOW, trace);
    expect(got?.lines).to.deep.equal([...truth]);
    expect(trace).to.deep.include({ recognised: engine.reads, exhausted: false, predictedRuns: 0 });
    expect(trace.recognised).to.be.within(1, 6);
    expect(trace.detections).to.equal(1);
  });

  it("ends a search that reads nothing valid at its budget, saying it gave up", async () => {
    const unbounded = createFakePaddleOcr(fillerProse);
    const free = newSearchTrace(1000);
    expect(await readMrz(unbounded, image, NOW, free)).to.equal(null);
    expect(free.exhausted, "the whole search fits in 1000 rows").to.equal(false);
    expect(free.recognised).to.equal(unbounded.reads);

    const budget = Math.floor(free.recognised / 2) + SECOND_READING_RESERVE;
    const engine = createFakePaddleOcr(fillerProse);
    const trace = newSearchTrace(budget);
    expect(await readMrz(engine, image, NOW, trace)).to.equal(null);
    expect(trace.exhausted).to.equal(true);
    // The recogniser read no row beyond the budget (less the second reading's reserve).
    expect(engine.reads).to.equal(trace.recognised);
    expect(trace.recognised).to.be.at.most(budget - SECOND_READING_RESERVE);
    expect(searchStopNote(trace)).to.equal(
      `; the MRZ search gave up after ${trace.recognised} row recognitions (its budget is ${budget})`,
    );
    expect(searchStopNote(free), "nothing there: no note").to.equal("");
  });

  it("always gives the second reading its rows, held in reserve", async () => {
    // Small rows: read once by the search (3 rows), then twice again by the second reading.
    const small = MIN_SQUEEZED_ROW_PX - 6;
    const engine = createFakePaddleOcr(truth.map((text, i) => ({ box: row(600 + 2 * small * i, small), text })));
    const trace = newSearchTrace(3 + SECOND_READING_RESERVE);
    const got = await readMrz(engine, image, NOW, trace);
    expect(got?.lines).to.deep.equal([...truth]);
    expect(trace).to.deep.include({ recognised: 9, exhausted: false });
  });

  it("refuses a recognition that would overspend before reading anything", async () => {
    const fake = createFakePaddleOcr(truth.map((text, i) => ({ box: row(600 + 60 * i), text })));
    const trace = newSearchTrace(SECOND_READING_RESERVE + 2);
    const engine = budgeted(fake, trace);
    const boxes = [row(600), row(660), row(720)];
    const error = await engine.readLines(image, boxes, MRZ_ALPHABET).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(BudgetSpent);
    expect(fake.reads).to.equal(0);
    expect(trace).to.deep.include({ recognised: 0, exhausted: true });
    // Within the budget, the rows are read and counted.
    const inside = budgeted(fake, newSearchTrace(SECOND_READING_RESERVE + 3));
    expect(await inside.readLines(image, boxes, MRZ_ALPHABET)).to.have.length(3);
    expect(fake.reads).to.equal(3);
  });
});

/**
 * A hostile upload: a page of rows printed in the MRZ's font and alphabet, fillers in every row, none
 * of them an MRZ (random characters, so no check digit passes but by chance; each row begins and ends
 * with fillers, so no way up reads a document code). Every pass of the search and every retry finds
 * rows worth reading on it.
 */
async function mrzLikePage(seed: number): Promise<Uint8Array> {
  const rng = createRng(seed);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const rows = Array.from({ length: 24 }, () => {
    const row = Array.from({ length: 44 }, (_, k) => (k % 7 === 3 || k % 11 === 5 ? "<<" : rng.pick([...alphabet])));
    return `<<${row.join("").slice(2, 42)}<<`;
  });
  const text = rows.map(
    (t, i) =>
      `<text x="40" y="${60 + i * 44}" font-family="OCR B" font-size="30" fill="#111">${t.replaceAll("<", "&lt;")}</text>`,
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="1120"><rect width="1000" height="1120" fill="#f4f4f0"/>${text.join("")}</svg>`;
  return new Uint8Array(await sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer());
}

async function grayOf(bytes: Uint8Array): Promise<GrayImage> {
  const image = await loadImage("front", bytes);
  return { data: image.gray, width: image.width, height: image.height };
}

describe("MRZ recognition budget (PaddleOCR)", function () {
  this.timeout(300_000);
  let engine: PaddleOcr;
  let dir: string;
  before(async () => {
    engine = await loadPaddleOcr({ alphabet: MRZ_ALPHABET });
    dir = await mkdtemp(join(tmpdir(), "kycnet-mrz-budget-"));
  });
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("gives up on a page of MRZ-like rows within its budget, reading nothing", async () => {
    const trace = newSearchTrace();
    const reading = await readMrz(engine, await grayOf(await mrzLikePage(17)), NOW, trace);
    expect(reading).to.equal(null);
    expect(trace.exhausted, `spent ${trace.recognised} rows`).to.equal(true);
    expect(trace.recognised).to.be.at.most(MRZ_RECOGNITION_BUDGET - SECOND_READING_RESERVE);
  });

  it("still reads a generated card's MRZ exactly, in a few rows", async () => {
    const card = await generateCard(dir, 3, 2026, "clean", null);
    const trace = newSearchTrace();
    const reading = await readMrz(engine, await grayOf(new Uint8Array(await readFile(card.backPath))), NOW, trace);
    expect(reading?.lines).to.deep.equal([...td1Lines(card.person)]);
    expect(reading?.data.valid).to.equal(true);
    expect(trace).to.deep.include({ exhausted: false, detections: 1 });
    expect(trace.recognised).to.be.at.most(6);
  });
});

describe("MRZ recognition budget in the document pipeline", function () {
  this.timeout(300_000);
  let engines: DocumentEngines;
  before(async () => {
    engines = await createDocumentEngines();
  });
  after(async () => {
    await engines?.close();
  });

  it("refuses a page of MRZ-like rows as not found, saying the search gave up", async () => {
    const page = await mrzLikePage(17);
    const error = await readDocument({ front: page }, { engines, now: NOW, skipOcr: true }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(DocumentNotFoundError);
    expect((error as DocumentNotFoundError).message).to.match(
      new RegExp(`the MRZ search gave up after \\d+ row recognitions \\(its budget is ${MRZ_RECOGNITION_BUDGET}\\)$`),
    );
  });
  it("refuses a blank photo as not found without saying it gave up: nothing there", async () => {
    const blank = await sharp({ create: { width: 600, height: 400, channels: 3, background: "#fff" } })
      .jpeg()
      .toBuffer();
    const error = await readDocument({ front: new Uint8Array(blank) }, { engines, now: NOW, skipOcr: true }).catch(
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(DocumentNotFoundError);
    expect((error as DocumentNotFoundError).message).to.not.include("gave up");
  });
});
