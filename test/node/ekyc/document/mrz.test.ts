import { expect } from "chai";
import { parse as parseWithMrzPackage } from "mrz";
import { mrzCheckDigit } from "../../../../node/src/ekyc/document/mrz/check-digit.ts";
import { parseMrz } from "../../../../node/src/ekyc/document/mrz/parse.ts";
import { assembleMrz } from "../../../../node/src/ekyc/document/mrz/read.ts";
import { cleanLine, fixLength, repairMrz } from "../../../../node/src/ekyc/document/mrz/repair.ts";
import { MrzFormatError } from "../../../../node/src/ekyc/document/errors.ts";
import { td1Lines } from "../../../../scripts/cards/mrz.ts";
import { makePerson } from "../../../../scripts/cards/people.ts";
import { createRng } from "../../../../scripts/cards/random.ts";

const NOW = new Date("2026-01-15T00:00:00Z");
const people = Array.from({ length: 25 }, (_, i) => makePerson(createRng(1000 + i)));
// ICAO 9303 part 5 specimen (TD1) — fictional state UTO.
const ICAO_TD1 = ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"];
// ICAO 9303 part 4 specimen (TD3).
const ICAO_TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"];

describe("MRZ check digits", () => {
  it("computes the ICAO 7-3-1 check digit (letters 10–35, < as 0)", () => {
    expect(mrzCheckDigit("D23145890")).to.equal(7);
    expect(mrzCheckDigit("740812")).to.equal(2);
    expect(mrzCheckDigit("L898902C3")).to.equal(6);
    expect(mrzCheckDigit("<<<<<<")).to.equal(0);
  });
});

describe("parseMrz", () => {
  context("with the ICAO specimens", () => {
    it("parses TD1 with every check digit valid", () => {
      const d = parseMrz(ICAO_TD1, NOW);
      expect(d).to.include({ format: "TD1", documentCode: "I", issuingState: "UTO", documentNumber: "D23145890", dateOfBirth: "1974-08-12", expiryDate: "2012-04-15", sex: "F", surname: "ERIKSSON", givenNames: "ANNA MARIA", valid: true });
    });
    it("parses TD3 with the personal number check", () => {
      const d = parseMrz(ICAO_TD3, NOW);
      expect(d).to.include({ format: "TD3", documentNumber: "L898902C3", nationality: "UTO", optionalData: "ZE184226B", valid: true });
      expect(d.checks.map((c) => c.name)).to.include("personalNumber");
    });
    it("reads fictional codes that the `mrz` package rejects (why we keep our own parser)", () => {
      expect(parseWithMrzPackage(ICAO_TD1).valid).to.equal(false);
      expect(parseMrz(ICAO_TD1, NOW).valid).to.equal(true);
    });
  });

  context("with generated Vietnamese cards", () => {
    it("gives the generator's ground truth and agrees with the `mrz` package field by field", () => {
      for (const p of people) {
        const lines = td1Lines(p);
        const ours = parseMrz(lines, NOW);
        const theirs = parseWithMrzPackage(lines);
        expect(ours.valid, lines.join("\n")).to.equal(true);
        expect(theirs.valid, lines.join("\n")).to.equal(true);
        expect(ours.optionalData.slice(0, 12)).to.equal(p.idNumber);
        expect(ours.dateOfBirth).to.equal(p.dateOfBirth);
        expect(ours.expiryDate).to.equal(p.expiryDate);
        expect(ours.sex).to.equal(p.sex);
        expect(ours.documentNumber).to.equal(theirs.fields.documentNumber);
        expect(ours.surname).to.equal(theirs.fields.lastName);
        expect(ours.givenNames).to.equal(theirs.fields.firstName);
      }
    });
  });

  context("when a check digit is wrong", () => {
    it("reports which field failed and the whole MRZ as invalid", () => {
      const [l1, l2, l3] = td1Lines(people[0]!);
      const wrong = String((Number(l2[6]) + 1) % 10);
      const d = parseMrz([l1, l2.slice(0, 6) + wrong + l2.slice(7), l3], NOW);
      expect(d.valid).to.equal(false);
      // The composite digit covers the date of birth and its check digit, so it fails too.
      expect(d.checks.filter((c) => !c.valid).map((c) => c.name)).to.deep.equal(["dateOfBirth", "composite"]);
    });
  });

  context("when the shape is wrong", () => {
    it("throws MrzFormatError for wrong line counts or lengths", () => {
      expect(() => parseMrz(["ABC"], NOW)).to.throw(MrzFormatError);
      expect(() => parseMrz([ICAO_TD1[0]!, ICAO_TD1[1]!], NOW)).to.throw(MrzFormatError);
    });
    it("throws MrzFormatError for characters outside A–Z, 0–9 and <", () => {
      expect(() => parseMrz([ICAO_TD1[0]!.replace("D", "d"), ICAO_TD1[1]!, ICAO_TD1[2]!], NOW)).to.throw(MrzFormatError);
    });
  });
});

describe("MRZ repair", () => {
  const truth = td1Lines(people[1]!);

  it("cleans OCR text into the MRZ alphabet", () => {
    expect(cleanLine("idvnm 0123«<")).to.equal("IDVNM0123<<");
  });
  it("restores dropped `<` in the longest run and trims extra ones", () => {
    expect(fixLength("ABC<<DEF<<<<", 14)).to.equal("ABC<<DEF<<<<<<");
    expect(fixLength("ABC<<DEF<<<<<<<<", 14)).to.equal("ABC<<DEF<<<<<<");
  });
  it("maps letters in numeric positions to digits and digits in letter positions to letters", () => {
    // ICAO specimen: "UTO" read as "UT0", birth date "740812" read as "74O8I2".
    const bad = [ICAO_TD1[0]!.replace("UTO", "UT0"), ICAO_TD1[1]!.replace("740812", "74O8I2"), ICAO_TD1[2]!];
    const { lines, repairs } = repairMrz(bad, "TD1");
    expect(lines).to.deep.equal(ICAO_TD1);
    expect(parseMrz(lines, NOW).valid).to.equal(true);
    expect(repairs.map((r) => r.why)).to.include.members(["letter in a numeric position", "digit in an alphabetic position"]);
  });
  it("makes one look-alike substitution only when it makes every check digit valid", () => {
    // Damage a digit of the document number to its look-alike letter position-independently: 8 → B.
    const i = truth[0].indexOf("8", 5);
    if (i < 0 || i > 13) return; // this person's number has no 8: the next test covers the rule
    const bad = [truth[0].slice(0, i) + "B" + truth[0].slice(i + 1), truth[1], truth[2]];
    const { lines, repairs } = repairMrz(bad, "TD1");
    expect(lines).to.deep.equal([...truth]);
    expect(repairs).to.have.length(1);
  });
  it("does not 'fix' a genuinely wrong printed check digit with a second change", () => {
    const l2 = truth[1];
    const wrong = String((Number(l2[6]) + 3) % 10);
    const bad = [truth[0], l2.slice(0, 6) + wrong + l2.slice(7), truth[2]];
    const { lines } = repairMrz(bad, "TD1");
    expect(parseMrz(lines, NOW).checks.find((c) => c.name === "dateOfBirth")!.valid).to.equal(false);
  });
  it("never puts a letter into a date to make an altered check digit pass (regression)", () => {
    // Date-of-birth check digit altered on a generated card; "67O522" would satisfy it via O = 24.
    const altered = ["IDVNM1679342596092167934259<<<", "6705220F2705228VNM<<<<<<<<<<<9", "LE<<NGOC<MAI<<<<<<<<<<<<<<<<<<"];
    const { lines, repairs } = repairMrz(altered, "TD1");
    expect(repairs).to.deep.equal([]);
    expect(parseMrz(lines, NOW).valid).to.equal(false);
  });
  it("assembles three MRZ-shaped lines from OCR output in reading order, ignoring other text", () => {
    const got = assembleMrz([
      { text: "Ngay, thang, nam / Date, month, year: 01/02/2023", box: [[0, 10], [300, 10], [300, 30], [0, 30]] },
      { text: truth[0].replace(/<<<$/, "<"), box: [[0, 100], [600, 100], [600, 130], [0, 130]] },
      { text: truth[1], box: [[0, 140], [600, 140], [600, 170], [0, 170]] },
      { text: truth[2].replace(/<+$/, "<<<<"), box: [[0, 180], [600, 180], [600, 210], [0, 210]] },
    ]);
    expect(got).to.deep.equal({ format: "TD1", lines: [...truth] });
  });
  it("returns null when no MRZ-shaped text is present", () => {
    expect(assembleMrz([{ text: "CĂN CƯỚC CÔNG DÂN" }, { text: "Citizen Identity Card" }])).to.equal(null);
  });
});
