/**
 * Passport data pages (ICAO 9303 TD3) read with the real MRZ engine (PaddleOCR ONNX) and the real
 * printed-text engine (tesseract) for the visual zone, on pages the generator draws for made-up
 * foreign nationals (scripts/cards/passport.ts), plainly photographed and through a phone
 * (passport-set.ts): the fields, the canonical passport number, the visual zone agreeing with the
 * MRZ or catching what its check digits cannot, a wrong check digit reported and never repaired,
 * and the refusals.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { parsePassportIdNumber } from "@kycnet/sdk/protocol";
import {
  createDocumentEngines,
  readDocument,
  type DocumentEngines,
  type DocumentResult,
} from "../../../../node/src/ekyc/document/index.ts";
import { DEFAULT_FACE_EVAL_DIR } from "../../../../node/src/ekyc/biometrics/eval-set.ts";
import {
  makePassportHolder,
  photographPage,
  renderPassportPage,
  td3Lines,
  type PassportHolder,
} from "../../../../scripts/cards/passport.ts";
import { generatePassport, type PassportCapture } from "../../../../scripts/cards/passport-set.ts";
import { makePerson } from "../../../../scripts/cards/people.ts";
import { createRng } from "../../../../scripts/cards/random.ts";
import { renderBack } from "../../../../scripts/cards/render.ts";
import { expectCode } from "../../../support/expect-code.ts";

const NOW = new Date("2026-01-15T00:00:00Z");

const portrait = (): Buffer => readFileSync(join(DEFAULT_FACE_EVAL_DIR, "howard", "howard1.png"));

/** A plainly photographed page; `mrz` changes the MRZ printed on it (the visual zone keeps the holder's data). */
async function page(
  seed: number,
  mrz?: (lines: [string, string], holder: PassportHolder) => string[],
): Promise<{ holder: PassportHolder; photo: Uint8Array }> {
  const rng = createRng(seed);
  const holder = makePassportHolder(rng);
  const lines = td3Lines(holder);
  const png = await renderPassportPage(holder, portrait(), mrz === undefined ? lines : mrz(lines, holder));
  return { holder, photo: new Uint8Array(await photographPage(png, rng)) };
}

describe("document: passport data pages (TD3)", function () {
  this.timeout(120_000);
  let engines: DocumentEngines;
  before(async () => {
    engines = await createDocumentEngines();
  });
  after(async () => {
    await engines?.close();
  });

  const read = (photo: Uint8Array): Promise<DocumentResult> => readDocument({ passport: photo }, { engines, now: NOW });

  // Seeds chosen to cover a one-letter state (5: D), two given names (10: SEO YEON) and both sexes (23: M).
  for (const seed of [5, 10, 11, 23]) {
    it(`reads every MRZ field of a generated passport (seed ${seed}) with its canonical number`, async () => {
      const { holder, photo } = await page(seed);
      const result = await read(photo);
      const value = (field: keyof DocumentResult["fields"]): string => result.fields[field].value;
      expect(result.documentType).to.equal("PASSPORT");
      expect(value("idNumber")).to.equal(`P:${holder.issuingState}:${holder.passportNumber}`);
      expect(parsePassportIdNumber(value("idNumber"))).to.deep.equal({
        issuingState: holder.issuingState,
        documentNumber: holder.passportNumber,
      });
      expect(value("fullName")).to.equal(holder.fullName);
      expect(value("dateOfBirth")).to.equal(holder.dateOfBirth);
      expect(value("sex")).to.equal(holder.sex);
      expect(value("nationality")).to.equal(holder.nationality);
      expect(value("expiryDate")).to.equal(holder.expiryDate);
      expect(value("documentType")).to.equal("PASSPORT");
      // Nothing a data page does not carry is invented: no address, no issue date in the MRZ, no old id.
      expect([value("address"), value("issueDate"), value("oldIdNumber")]).to.deep.equal(["", "", ""]);
      expect(result.fields.idNumber.source).to.equal("mrz");
      expect(result.signals.filter((s) => s.score >= 0.5)).to.deep.equal([]);
      expect(result.evidence.qrText).to.equal(null);
      expect(result.evidence.mrzLines).to.deep.equal(td3Lines(holder));
      // The visual zone read the same values: a second source, so the fields agree.
      for (const field of ["idNumber", "fullName", "dateOfBirth", "expiryDate"] as const) {
        expect(result.fields[field].readings.ocr, field).to.equal(value(field));
        expect(result.fields[field].agreement, field).to.equal("agree");
      }
      expect(result.disagreements).to.deep.equal([]);
      expect(result.evidence.ocrLines.idNumber).to.equal(holder.passportNumber);
    });
  }

  it("catches a name misread in the MRZ (no check digit guards it) by the printed name, keeping the MRZ's value", async () => {
    // One letter changed in the MRZ, as a small photo's misread does (MARIA read as HARIA).
    const { holder, photo } = await page(10, (_, h) => td3Lines({ ...h, surname: `H${h.surname.slice(1)}` }));
    const result = await read(photo);
    const misread = `H${holder.surname.slice(1)} ${holder.givenNames}`;
    expect(result.fields.fullName.value).to.equal(misread); // the values are the MRZ's; the print is a witness
    expect(result.fields.fullName.readings.ocr).to.equal(holder.fullName);
    expect(result.fields.fullName.agreement).to.equal("disagree");
    expect(result.disagreements.map((d) => d.field)).to.deep.equal(["fullName"]);
    const signal = result.signals.find((s) => s.code === "MRZ_PRINT_MISMATCH");
    expect(signal?.reason).to.include(misread);
  });

  it("catches a wrong passport number whose check digit passes by the printed number (MRZ_PRINT_MISMATCH ≥ 0.5)", async () => {
    const { holder, photo } = await page(11, (_, h) => {
      const digits = h.passportNumber.split("");
      digits[5] = String((Number(digits[5]) + 1) % 10);
      return td3Lines({ ...h, passportNumber: digits.join("") }); // every check digit computed, so all pass
    });
    const result = await read(photo);
    expect(result.signals.map((s) => s.code)).to.not.include("MRZ_CHECK_DIGIT_FAILED");
    expect(result.fields.idNumber.value).to.not.equal(`P:${holder.issuingState}:${holder.passportNumber}`);
    expect(result.fields.idNumber.readings.ocr).to.equal(`P:${holder.issuingState}:${holder.passportNumber}`);
    expect(result.disagreements.map((d) => d.field)).to.deep.equal(["idNumber"]);
    const signal = result.signals.find((s) => s.code === "MRZ_PRINT_MISMATCH");
    expect(signal?.score).to.be.at.least(0.5);
  });

  // Phone captures of generated passports (seed 7) that read in full: the visual zone agrees, no false alarm.
  for (const [index, kind] of [
    [6, "tilt"],
    [8, "finger"],
    [15, "low-light"],
  ] as Array<[number, PassportCapture]>) {
    it(`reads a phone-captured page (${kind}) exactly, its visual zone agreeing with the MRZ`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "kycnet-passport-"));
      try {
        const { holder, path } = await generatePassport(dir, index, 7, kind);
        const result = await read(new Uint8Array(await readFile(path)));
        expect(result.fields.idNumber.value).to.equal(`P:${holder.issuingState}:${holder.passportNumber}`);
        expect(result.fields.fullName.value).to.equal(holder.fullName);
        expect(result.fields.dateOfBirth.value).to.equal(holder.dateOfBirth);
        expect(result.fields.expiryDate.value).to.equal(holder.expiryDate);
        expect(result.disagreements).to.deep.equal([]);
        const agreeing = Object.values(result.fields).filter((f) => f.agreement === "agree").length;
        expect(agreeing).to.be.at.least(4);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  it("reports a wrong passport-number check digit and leaves the number unread, never repaired", async () => {
    const { photo } = await page(5, ([l1, l2]) => {
      const wrong = String((Number(l2[9]) + 3) % 10);
      return [l1, l2.slice(0, 9) + wrong + l2.slice(10)];
    });
    const result = await read(photo);
    expect(result.fields.idNumber.value).to.equal("");
    expect(result.signals.map((s) => s.code)).to.include("MRZ_CHECK_DIGIT_FAILED");
  });

  it("refuses a CCCD back sent as a passport (DOCUMENT_KIND_MISMATCH), and a page without an MRZ", async () => {
    const back = await renderBack(makePerson(createRng(3)));
    await expectCode(read(new Uint8Array(back)), "DOCUMENT_KIND_MISMATCH");
    const blank = await sharp({ create: { width: 900, height: 640, channels: 3, background: "#efe9dc" } })
      .jpeg()
      .toBuffer();
    await expectCode(read(new Uint8Array(blank)), "DOCUMENT_NOT_FOUND");
  });
});
