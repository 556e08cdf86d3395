import { expect } from "chai";
import { foldName } from "../../../../../node/src/ekyc/checks/sanctions/normalise.ts";
import {
  jaroWinkler,
  nameSimilarity,
  tokenSimilarity,
} from "../../../../../node/src/ekyc/checks/sanctions/similarity.ts";
import { compareBirthDate, parseOfacBirthDate } from "../../../../../node/src/ekyc/checks/sanctions/birth-date.ts";
import { countryCode, isoNationalityOf } from "../../../../../node/src/ekyc/checks/sanctions/countries.ts";
import { expectNear } from "../../../../support/near.ts";

describe("screening building blocks", () => {
  describe("foldName", () => {
    const cases: Array<[string, string]> = [
      ["Nguyễn Văn Đức", "nguyen van duc"],
      ["NGUYỄN THỊ Ánh", "nguyen thi anh"],
      ["Nguye\u0302\u0303n", "nguyen"], // NFD input
      ["ĐẶNG, Hữu-Phước", "dang huu phuoc"],
      ["O'Brien  (a.k.a.)", "o brien a k a"],
      ["ÐỖ Văn Øster Straße Łukasz", "do van oster strasse lukasz"],
      ["   ", ""],
    ];
    for (const [input, expected] of cases)
      it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => expect(foldName(input)).to.equal(expected));
  });

  describe("jaroWinkler", () => {
    it("matches the textbook values", () => {
      expectNear(jaroWinkler("martha", "marhta"), 0.961, 0.001);
      expectNear(jaroWinkler("dwayne", "duane"), 0.84, 0.001);
      expectNear(jaroWinkler("dixon", "dicksonx"), 0.813, 0.001);
      expect(jaroWinkler("abc", "xyz")).to.equal(0);
      expect(jaroWinkler("", "a")).to.equal(0);
      expect(jaroWinkler("same", "same")).to.equal(1);
    });
  });

  describe("tokenSimilarity and nameSimilarity", () => {
    it("discounts short unequal tokens and subsequence look-alikes", () => {
      expect(tokenSimilarity("an", "anh")).to.be.lessThan(0.8);
      expect(tokenSimilarity("tung", "truong")).to.be.lessThan(0.8);
      expect(tokenSimilarity("huong", "houng")).to.be.greaterThan(0.9);
    });
    it("ignores order and tolerates a missing middle name", () => {
      expect(nameSimilarity(["nguyen", "van", "minh"], ["minh", "van", "nguyen"])).to.equal(1);
      expect(nameSimilarity(["nguyen", "minh"], ["nguyen", "van", "minh"])).to.be.greaterThan(0.95);
    });
    it("never matches one token against a full name", () => {
      expect(nameSimilarity(["nguyen"], ["nguyen", "van", "minh"])).to.equal(0);
    });
  });

  describe("dates of birth and countries", () => {
    it("parses OFAC date forms", () => {
      expect(parseOfacBirthDate("15 Jul 1960")).to.deep.equal({ fromYear: 1960, toYear: 1960, date: "1960-07-15" });
      expect(parseOfacBirthDate("Jul 1960")).to.deep.equal({ fromYear: 1960, toYear: 1960 });
      expect(parseOfacBirthDate("circa 1960")).to.deep.equal({ fromYear: 1960, toYear: 1960 });
      expect(parseOfacBirthDate("1955 to 1960")).to.deep.equal({ fromYear: 1955, toYear: 1960 });
      expect(parseOfacBirthDate("31 Feb 1960")).to.equal(undefined);
      expect(parseOfacBirthDate("1960 to 1950")).to.equal(undefined);
      expect(parseOfacBirthDate("yesterday")).to.equal(undefined);
    });
    it("compares a customer's date with list dates", () => {
      const specs = [{ fromYear: 1960, toYear: 1960, date: "1960-07-15" }];
      expect(compareBirthDate("1960-07-15", specs)).to.equal("EXACT");
      expect(compareBirthDate("1960-01-01", specs)).to.equal("YEAR");
      expect(compareBirthDate("1970-01-01", specs)).to.equal("CONFLICT");
      expect(compareBirthDate(undefined, specs)).to.equal("UNKNOWN");
      expect(compareBirthDate("1970-01-01", [])).to.equal("UNKNOWN");
    });
    it("turns a passport's ICAO nationality into the alpha-3 a screening query takes (Germany's D is DEU)", () => {
      expect(isoNationalityOf("D")).to.equal("DEU");
      expect(isoNationalityOf("KOR")).to.equal("KOR");
      expect(isoNationalityOf("")).to.equal(undefined);
      expect(isoNationalityOf("D<<")).to.equal(undefined);
    });
    it("maps printed country names to alpha-3 and leaves unknown ones out", () => {
      expect(countryCode("Viet Nam")).to.equal("VNM");
      expect(countryCode("Vietnam")).to.equal("VNM");
      expect(countryCode("Democratic People's Republic of Korea")).to.equal("PRK");
      expect(countryCode("Freedonia")).to.equal(undefined);
    });
  });
});
