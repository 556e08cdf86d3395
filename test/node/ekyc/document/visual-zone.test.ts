/**
 * The passport visual zone's parsing (ocr/visual-zone.ts) on words laid out as tesseract returns
 * them: captions found, each value taken from the phrase under its caption, unsure or unparseable
 * values left unread. The real engine on rendered pages is in passport.test.ts.
 */
import { expect } from "chai";
import {
  captionOf,
  parsePrintedDate,
  phrasesOf,
  visualZoneFromWords,
} from "../../../../node/src/ekyc/document/ocr/visual-zone.ts";
import type { PageWord } from "../../../../node/src/ekyc/document/ocr/tesseract.ts";
import { sameValue } from "../../../../node/src/ekyc/document/crosscheck.ts";

/** Words of a phrase starting at (x, y), each letter 10 px wide (height `h`), one space between words. */
function phrase(text: string, x: number, y: number, h = 18, confidence = 92): PageWord[] {
  const words: PageWord[] = [];
  let at = x;
  for (const word of text.split(" ")) {
    const width = word.length * 10;
    words.push({ text: word, confidence, box: { x0: at, y0: y, x1: at + width, y1: y + h } });
    at += width + 8;
  }
  return words;
}

/** The generator's layout (scripts/cards/passport.ts): captions 11 px high, values 18 px high below them. */
function page(overrides: Partial<Record<string, PageWord[]>> = {}): PageWord[] {
  const field = (key: string, caption: string, value: string, x: number, y: number): PageWord[] =>
    overrides[key] ?? [...phrase(caption, x, y, 11), ...phrase(value, x, y + 23)];
  return [
    ...phrase("PASSPORT", 50, 50, 22),
    ...field("type", "Type / Code", "P KOR", 400, 100),
    ...field("number", "Passport No.", "WU8994443", 820, 100),
    ...field("surname", "Surname", "SMITH", 400, 180),
    ...field("given", "Given names", "EMMA JANE", 400, 250),
    ...field("nationality", "Nationality", "KOR", 400, 320),
    ...field("birth", "Date of birth", "16 NOV 1971", 400, 390),
    ...field("sex", "Sex", "F", 820, 390),
    ...field("issue", "Date of issue", "28 NOV 2024", 400, 460),
    ...field("expiry", "Date of expiry", "27 NOV 2034", 820, 460),
    ...phrase("P<KORSMITH<<EMMA<JANE<<<<<<<<<<<<<<<<<<<<<<<<", 48, 760, 26, 40),
  ];
}

describe("document: passport visual zone parsing", () => {
  it("reads every printed field under its caption, the number made canonical with the MRZ's state", () => {
    const read = visualZoneFromWords(page(), "KOR");
    expect(read).to.deep.include({
      idNumber: "P:KOR:WU8994443",
      fullName: "SMITH EMMA JANE",
      dateOfBirth: "1971-11-16",
      sex: "F",
      nationality: "KOR",
      expiryDate: "2034-11-27",
      address: null,
    });
    // Side-by-side columns stay apart: the date of birth is not read as "16 NOV 1971 F".
    expect(read.lines.dateOfBirth?.text).to.equal("16 NOV 1971");
    expect(read.lines.fullName?.confidence).to.equal(92);
  });

  it("finds bilingual captions (English / French) and a numeric or two-language date", () => {
    const words = page({
      surname: [...phrase("Surname / Nom (1)", 400, 180, 11), ...phrase("MÜLLER", 400, 203)],
      given: [...phrase("Given names / Prénoms (2)", 400, 250, 11), ...phrase("ANNA", 400, 273)],
      birth: [...phrase("Date of birth / Date de naissance", 400, 390, 11), ...phrase("16.11.1971", 400, 413)],
      expiry: [...phrase("Date of expiry / Date d'expiration", 820, 460, 11), ...phrase("27 MAI/MAY 2034", 820, 483)],
    });
    const read = visualZoneFromWords(words, "D");
    expect(read.fullName).to.equal("MÜLLER ANNA");
    expect(read.dateOfBirth).to.equal("1971-11-16");
    expect(read.expiryDate).to.equal("2034-05-27");
    expect(read.idNumber).to.equal("P:D:WU8994443");
  });

  it("leaves unread what is unsure or does not parse, never a guess", () => {
    const words = page({
      // Low confidence: unread, not a contradiction of the MRZ.
      surname: [...phrase("Surname", 400, 180, 11), ...phrase("SM1TH", 400, 203, 18, 31)],
      // A nationality printed as a word is not compared; a two-digit year is not guessed.
      nationality: [...phrase("Nationality", 400, 320, 11), ...phrase("BRITISH CITIZEN", 400, 343)],
      birth: [...phrase("Date of birth", 400, 390, 11), ...phrase("16 NOV 71", 400, 413)],
      number: [...phrase("Passport No.", 820, 100, 11), ...phrase("WU-89", 820, 123)],
    });
    const read = visualZoneFromWords(words, "GBR");
    expect(read.fullName).to.equal(null); // a surname unread: no whole name to compare
    expect(read.nationality).to.equal(null);
    expect(read.dateOfBirth).to.equal(null);
    expect(read.idNumber).to.equal(null);
    expect(read.sex).to.equal("F");
    // No captions at all (a page of prose, or nothing legible): nothing read.
    const nothing = visualZoneFromWords(phrase("Lorem ipsum dolor sit amet", 10, 10), "GBR");
    expect([nothing.idNumber, nothing.fullName, nothing.dateOfBirth, nothing.expiryDate]).to.deep.equal([
      null,
      null,
      null,
      null,
    ]);
  });

  it("takes the value below its caption, not one far below or in another column", () => {
    const words = [
      ...phrase("Surname", 400, 180, 11),
      ...phrase("SMITH", 700, 203), // another column
      ...phrase("JONES", 400, 300), // too far below
      ...phrase("Given names", 400, 400, 11),
      ...phrase("EMMA", 400, 423),
    ];
    expect(visualZoneFromWords(words, "GBR").fullName).to.equal(null);
  });

  it("groups words into phrases and knows the captions", () => {
    const phrases = phrasesOf([...phrase("Date of birth", 400, 390, 11), ...phrase("Sex", 820, 390, 11)]);
    expect(phrases.map((p) => p.text)).to.deep.equal(["Date of birth", "Sex"]);
    expect(phrases.map(captionOf)).to.deep.equal(["dateOfBirth", "sex"]);
    expect(captionOf(phrasesOf(phrase("Place of birth", 0, 0))[0]!)).to.equal(null);
    expect(captionOf(phrasesOf(phrase("Date of issue", 0, 0))[0]!)).to.equal(null);
  });

  it("compares a printed name with national letters to its MRZ form, folded or transliterated (ICAO 9303 part 3)", () => {
    const same = (printed: string, mrz: string) =>
      sameValue("fullName", { source: "ocr", value: printed }, { source: "mrz", value: mrz });
    expect(same("MÄNNIK MARI-LIIS", "MAENNIK MARI LIIS")).to.equal(true); // the Estonian specimen's own MRZ
    expect(same("MÄNNIK MARI-LIIS", "MANNIK MARI LIIS")).to.equal(true);
    expect(same("MÜLLER ANNA", "MUELLER ANNA")).to.equal(true);
    expect(same("SØRENSEN JENS", "SOERENSEN JENS")).to.equal(true);
    expect(same("STRAßE EVA", "STRASSE EVA")).to.equal(true);
    expect(same("MARIA SMITH", "HARIA SMITH")).to.equal(false);
    expect(same("MÜLLER ANNA", "MILLER ANNA")).to.equal(false);
  });

  it("parses printed dates in the forms ICAO 9303 pages use", () => {
    expect(parsePrintedDate("16 NOV 1971")).to.equal("1971-11-16");
    expect(parsePrintedDate("16 NOV/NOV 1971")).to.equal("1971-11-16");
    expect(parsePrintedDate("03 AOÛT/AUG 2021")).to.equal("2021-08-03");
    expect(parsePrintedDate("16/11/1971")).to.equal("1971-11-16");
    expect(parsePrintedDate("1O NOV 2O3O")).to.equal("2030-11-10"); // O read for 0 beside digits
    expect(parsePrintedDate("31 FEB 2020")).to.equal(null);
    expect(parsePrintedDate("16 XYZ 1971")).to.equal(null);
    expect(parsePrintedDate("")).to.equal(null);
  });
});
