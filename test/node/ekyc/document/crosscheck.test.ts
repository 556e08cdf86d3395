/**
 * The cross-check of a printed name with the MRZ's (crosscheck.ts): a name that fills its MRZ field
 * may have been cut there, so a longer printed name that begins with it is the same name; a name
 * that ends before its field's end was not cut, so a longer printed name is a disagreement, on TD1
 * as on TD3.
 */
import { expect } from "chai";
import { collectReadings, crossCheck } from "../../../../node/src/ekyc/document/crosscheck.ts";
import { parseMrz } from "../../../../node/src/ekyc/document/mrz/parse.ts";

const TD1_TOP = ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6"];
const TD3_BOTTOM = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";

/** The agreement of the printed name `printed` with the MRZ's name. */
function nameAgreement(mrzLines: string[], printed: string): string {
  const mrz = parseMrz(mrzLines, new Date("2010-01-01T00:00:00Z"));
  expect(mrz.valid, "every check digit of the fixture holds").to.equal(true);
  const readings = collectReadings(null, mrz, null);
  readings.fullName.ocr = printed;
  return crossCheck(readings).fields.fullName.agreement;
}

describe("document cross-check: a printed name against the MRZ's", () => {
  it("takes a TD1 name that fills its 30 characters as cut: a longer printed name that begins with it agrees", () => {
    const cut = [...TD1_TOP, "NGUYEN<<THI<THANH<HUONG<NGOC<A"];
    expect(parseMrz(cut).nameCut).to.equal(true);
    expect(nameAgreement(cut, "NGUYỄN THỊ THANH HƯƠNG NGỌC ANH")).to.equal("agree");
    expect(nameAgreement(cut, "NGUYỄN THỊ THANH HƯƠNG NGỌC")).to.equal("disagree");
  });

  it("takes a TD3 name of 29 letters that ends before its 39 as whole: a longer printed name disagrees", () => {
    const whole = ["P<UTOERIKSSON<<ANNA<MARIA<CHRISTINA<<<<<<<<<", TD3_BOTTOM];
    expect(parseMrz(whole).nameCut).to.equal(false);
    expect(nameAgreement(whole, "ERIKSSON ANNA MARIA CHRISTINA")).to.equal("agree");
    expect(nameAgreement(whole, "ERIKSSON ANNA MARIA CHRISTINA LOUISE")).to.equal("disagree");
  });

  it("takes a TD3 name that fills its 39 characters as cut", () => {
    const cut = ["P<UTOERIKSSON<<ANNA<MARIA<CHRISTINA<LOUISE<E", TD3_BOTTOM];
    expect(parseMrz(cut).nameCut).to.equal(true);
    expect(nameAgreement(cut, "ERIKSSON ANNA MARIA CHRISTINA LOUISE ELISABETH")).to.equal("agree");
  });
});
