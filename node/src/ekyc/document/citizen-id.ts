/**
 * Structure of the 12-digit citizen id (Decree 137/2015, Circular 07/2016): 3-digit province of
 * registration, 1 digit for sex and birth century, 2 digits of the birth year, 6 random digits.
 */

/** Province/city codes in use (63 provinces). */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  "001",
  "002",
  "004",
  "006",
  "008",
  "010",
  "011",
  "012",
  "014",
  "015",
  "017",
  "019",
  "020",
  "022",
  "024",
  "025",
  "026",
  "027",
  "030",
  "031",
  "033",
  "034",
  "035",
  "036",
  "037",
  "038",
  "040",
  "042",
  "044",
  "045",
  "046",
  "048",
  "049",
  "051",
  "052",
  "054",
  "056",
  "058",
  "060",
  "062",
  "064",
  "066",
  "067",
  "068",
  "070",
  "072",
  "074",
  "075",
  "077",
  "079",
  "080",
  "082",
  "083",
  "084",
  "086",
  "087",
  "089",
  "091",
  "092",
  "093",
  "094",
  "095",
  "096",
]);

export interface CitizenIdFacts {
  provinceCode: string;
  sex: "M" | "F";
  /** First year of the birth century (1900, 2000, ...). */
  century: number;
  birthYearTwoDigits: string;
}

/** Decodes the structured part of a 12-digit id, or returns a reason it is malformed. */
export function decodeCitizenId(id: string): CitizenIdFacts | { problem: string } {
  if (!/^\d{12}$/.test(id)) return { problem: "must be 12 digits" };
  const provinceCode = id.slice(0, 3);
  if (!PROVINCE_CODES.has(provinceCode)) return { problem: `unknown province code ${provinceCode}` };
  const g = Number(id[3]);
  return {
    provinceCode,
    sex: g % 2 === 0 ? "M" : "F",
    century: 1900 + Math.floor(g / 2) * 100,
    birthYearTwoDigits: id.slice(4, 6),
  };
}

/** Inconsistencies between the id's structure and the person's date of birth and sex. */
export function citizenIdInconsistencies(id: string, dateOfBirth: string, sex: string): string[] {
  const facts = decodeCitizenId(id);
  if ("problem" in facts) return [facts.problem];
  const problems: string[] = [];
  if (/^\d{4}-/.test(dateOfBirth)) {
    const year = Number(dateOfBirth.slice(0, 4));
    if (Math.floor(year / 100) * 100 !== facts.century)
      problems.push(`century digit says ${facts.century}s, date of birth is ${year}`);
    if (dateOfBirth.slice(2, 4) !== facts.birthYearTwoDigits)
      problems.push(`birth-year digits ${facts.birthYearTwoDigits} do not match ${year}`);
  }
  if ((sex === "M" || sex === "F") && sex !== facts.sex) problems.push(`sex digit says ${facts.sex}, card says ${sex}`);
  return problems;
}
