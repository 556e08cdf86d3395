/**
 * The front reader's parsing of OCR lines into fields, with a scripted line recogniser (the real
 * Tesseract runs in read-document.test.ts): what counts as noise, what as an unread line.
 */
import { expect } from "chai";
import {
  CARD_HEIGHT,
  CARD_WIDTH,
  FRONT_FIELD_BOXES,
  type FrontLine,
} from "../../../../node/src/ekyc/document/layout.ts";
import { readFront } from "../../../../node/src/ekyc/document/ocr/front.ts";
import type { LineRecogniser } from "../../../../node/src/ekyc/document/ocr/tesseract.ts";

const LINES = Object.keys(FRONT_FIELD_BOXES) as FrontLine[];

/** A white card frame with a dark stripe ("print") in every box except the `blank` ones. */
function card(blank: readonly FrontLine[] = []) {
  const data = new Uint8Array(CARD_WIDTH * CARD_HEIGHT).fill(240);
  for (const name of LINES) {
    if (blank.includes(name)) continue;
    const b = FRONT_FIELD_BOXES[name];
    for (let y = b.y + 10; y < b.y + 20; y++) for (let x = b.x + 10; x < b.x + 100; x++) data[y * CARD_WIDTH + x] = 20;
  }
  return { data, width: CARD_WIDTH, height: CARD_HEIGHT };
}

/** Answers the inked lines in layout order with the scripted texts. */
function scripted(texts: Partial<Record<FrontLine, string>>, blank: readonly FrontLine[] = []): LineRecogniser {
  const queue = LINES.filter((l) => !blank.includes(l)).map((l) => texts[l] ?? "");
  return { readLine: async () => ({ text: queue.shift() ?? "", confidence: 92 }), close: async () => undefined };
}

const GOOD: Partial<Record<FrontLine, string>> = {
  idNumber: "040186717589",
  fullName: "ĐINH DIỆU HÀ",
  dateOfBirth: "11/04/1986",
  sex: "Nữ",
  nationality: "Việt Nam",
  addressLine1: "237 Lý Thường Kiệt, Phường Đa Kao, Quận 1",
  addressLine2: "Hồ Chí Minh",
  expiryDate: "11/04/2046",
};

describe("readFront (scripted recogniser)", () => {
  it("parses every field into its canonical value", async () => {
    const got = await readFront(card(), scripted(GOOD));
    expect(got).to.include({
      idNumber: "040186717589",
      fullName: "ĐINH DIỆU HÀ",
      dateOfBirth: "1986-04-11",
      sex: "F",
      nationality: "VNM",
      expiryDate: "2046-04-11",
    });
    expect(got.address).to.equal("237 Lý Thường Kiệt, Phường Đa Kao, Quận 1, Hồ Chí Minh");
  });
  it("drops a lone letter after the text (accents of the next line cut by the crop)", async () => {
    const got = await readFront(
      card(),
      scripted({ ...GOOD, nationality: "Việt Nam Ỉ", addressLine1: "237 Lý Thường Kiệt, Phường Đa Kao, Quận 1, Ề" }),
    );
    expect(got.nationality).to.equal("VNM");
    expect(got.lines.addressLine1?.text).to.equal("237 Lý Thường Kiệt, Phường Đa Kao, Quận 1");
  });
  it("keeps a lone letter at the start (a first word read in part is weighed by the comparison)", async () => {
    const got = await readFront(card(), scripted({ ...GOOD, fullName: "V THU NGÂN" }));
    expect(got.fullName).to.equal("V THU NGÂN");
  });
  it("treats a printed second address line read as a stray letter as unread: no shorter address", async () => {
    const got = await readFront(card(), scripted({ ...GOOD, addressLine2: "Ỉ" }));
    expect(got.address).to.equal(null);
  });
  it("takes a blank second address line as a one-line address", async () => {
    const got = await readFront(card(["addressLine2"]), scripted({ ...GOOD }, ["addressLine2"]));
    expect(got.address).to.equal("237 Lý Thường Kiệt, Phường Đa Kao, Quận 1");
    expect(got.lines.addressLine2).to.deep.equal({ text: "", confidence: 100 });
  });
});
