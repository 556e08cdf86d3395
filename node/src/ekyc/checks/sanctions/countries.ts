/**
 * Country names as the UN and OFAC lists print them → ISO 3166-1 alpha-3, for the nationality
 * tie-breaker. Deliberately partial (our region and the countries most present on the lists); an
 * unknown name simply gives no tie-breaker, never a wrong one.
 */
import { foldName } from "./normalise.ts";

const NAMES: Readonly<Record<string, string>> = {
  "viet nam": "VNM",
  vietnam: "VNM",
  "socialist republic of viet nam": "VNM",
  cambodia: "KHM",
  "lao people s democratic republic": "LAO",
  laos: "LAO",
  thailand: "THA",
  china: "CHN",
  "people s republic of china": "CHN",
  "hong kong": "HKG",
  taiwan: "TWN",
  "democratic people s republic of korea": "PRK",
  "korea north": "PRK",
  "north korea": "PRK",
  "republic of korea": "KOR",
  "korea south": "KOR",
  "south korea": "KOR",
  japan: "JPN",
  philippines: "PHL",
  indonesia: "IDN",
  malaysia: "MYS",
  singapore: "SGP",
  myanmar: "MMR",
  burma: "MMR",
  india: "IND",
  pakistan: "PAK",
  afghanistan: "AFG",
  bangladesh: "BGD",
  "sri lanka": "LKA",
  "iran islamic republic of": "IRN",
  iran: "IRN",
  iraq: "IRQ",
  "syrian arab republic": "SYR",
  syria: "SYR",
  lebanon: "LBN",
  yemen: "YEM",
  "saudi arabia": "SAU",
  "united arab emirates": "ARE",
  kuwait: "KWT",
  qatar: "QAT",
  jordan: "JOR",
  egypt: "EGY",
  libya: "LBY",
  sudan: "SDN",
  "south sudan": "SSD",
  somalia: "SOM",
  mali: "MLI",
  nigeria: "NGA",
  "democratic republic of the congo": "COD",
  "central african republic": "CAF",
  "russian federation": "RUS",
  russia: "RUS",
  belarus: "BLR",
  ukraine: "UKR",
  turkey: "TUR",
  turkiye: "TUR",
  cuba: "CUB",
  venezuela: "VEN",
  mexico: "MEX",
  colombia: "COL",
  "united states": "USA",
  "united states of america": "USA",
  "united kingdom": "GBR",
  "united kingdom of great britain and northern ireland": "GBR",
  france: "FRA",
  germany: "DEU",
  australia: "AUS",
  canada: "CAN",
};

/** Alpha-3 code for a printed country name, or undefined when we do not know it. */
export function countryCode(name: string): string | undefined {
  const trimmed = name.trim();
  if (/^[A-Z]{3}$/.test(trimmed)) return trimmed;
  return NAMES[foldName(trimmed)];
}

/**
 * The ISO 3166-1 alpha-3 code a screening query takes, from a document's ICAO 9303 nationality code:
 * the same three letters, except Germany's one-letter `D` (`DEU`). Undefined for anything else, so
 * a code the lists cannot name is left out of the query rather than refused.
 */
export function isoNationalityOf(icaoCode: string): string | undefined {
  if (icaoCode === "D") return "DEU";
  return /^[A-Z]{3}$/.test(icaoCode) ? icaoCode : undefined;
}
