/**
 * Passport data pages (ICAO 9303 TD3) read with the real MRZ engine (PaddleOCR ONNX), on pages the
 * generator draws for made-up foreign nationals (scripts/cards/passport.ts): the fields, the
 * canonical passport number, a wrong check digit reported and never repaired, and the refusals.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
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
import { makePerson } from "../../../../scripts/cards/people.ts";
import { createRng } from "../../../../scripts/cards/random.ts";
import { renderBack } from "../../../../scripts/cards/render.ts";
import { expectCode } from "../../../support/expect-code.ts";

const NOW = new Date("2026-01-15T00:00:00Z");

const portrait = (): Buffer => readFileSync(join(DEFAULT_FACE_EVAL_DIR, "howard", "howard1.png"));

async function page(
  seed: number,
  mrz?: (lines: [string, string]) => string[],
): Promise<{ holder: PassportHolder; photo: Uint8Array }> {
  const rng = createRng(seed);
  const holder = makePassportHolder(rng);
  const lines = td3Lines(holder);
  const png = await renderPassportPage(holder, portrait(), mrz === undefined ? lines : mrz(lines));
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
