/**
 * Made-up foreign nationals and the data page of their passport (ICAO 9303 TD3: ID-3 size,
 * 125 × 88 mm, drawn at 10 px/mm): the portrait on the left, the visual inspection zone beside it,
 * and the two 44-character MRZ lines at the bottom in OCR-B. Ground truth for the passport path
 * of the document reader and the onboarding tests. Names, numbers and dates are random; state
 * codes are real ICAO codes (a passport of `D`, Germany, prints `D<<`).
 */
import sharp from "sharp";
import { checkDigit } from "./mrz.ts";
import type { Rng } from "./random.ts";

export interface PassportHolder {
  /** ICAO 9303 issuing state, as printed without fillers (`D` for Germany). */
  issuingState: string;
  /** 9 characters A–Z, 0–9. */
  passportNumber: string;
  nationality: string;
  surname: string;
  givenNames: string;
  /** Canonical full name: "SURNAME GIVEN NAMES", upper case A–Z. */
  fullName: string;
  dateOfBirth: string; // YYYY-MM-DD
  sex: "M" | "F";
  /** Printed in the visual zone only: the MRZ of a passport has no issue date. */
  issueDate: string;
  expiryDate: string;
}

/** Passport-issuing states a foreign customer of a Vietnamese bank often comes from. */
const STATES = ["KOR", "JPN", "CHN", "USA", "AUS", "GBR", "FRA", "D", "SGP", "THA"] as const;
const SURNAMES = ["SMITH", "KIM", "TANAKA", "MULLER", "DUBOIS", "WANG", "JOHNSON", "TAN", "NGUYEN", "PARK"];
const GIVEN_M = ["JOHN", "MIN JUN", "HIROSHI", "LUCAS", "PIERRE", "WEI", "DAVID", "ARJUN", "THOMAS"];
const GIVEN_F = ["MARY", "SEO YEON", "YUKI", "EMMA", "CLAIRE", "LI NA", "SARAH", "PRIYA", "ANNA"];

const pad = (n: number, width: number): string => String(n).padStart(width, "0");
const iso = (y: number, m: number, d: number): string => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;

export function makePassportHolder(rng: Rng): PassportHolder {
  const sex = rng.next() < 0.5 ? "M" : "F";
  const state = rng.pick(STATES);
  const letters = "ABCDEFGHJKLMNPRSTUVWXYZ";
  const passportNumber = `${letters[rng.int(0, letters.length - 1)]}${letters[rng.int(0, letters.length - 1)]}${pad(rng.int(0, 9_999_999), 7)}`;
  const surname = rng.pick(SURNAMES);
  const givenNames = rng.pick(sex === "M" ? GIVEN_M : GIVEN_F);
  const birthYear = rng.int(1960, 2004);
  const issueYear = rng.int(2019, 2025);
  const month = rng.int(1, 12);
  const day = rng.int(1, 28);
  return {
    issuingState: state,
    passportNumber,
    nationality: state,
    surname,
    givenNames,
    fullName: `${surname} ${givenNames}`,
    dateOfBirth: iso(birthYear, rng.int(1, 12), rng.int(1, 28)),
    sex,
    issueDate: iso(issueYear, month, day),
    // Ten years, ending the day before the anniversary.
    expiryDate: iso(issueYear + 10, month, day - 1 === 0 ? 1 : day - 1),
  };
}

const yymmdd = (isoDate: string): string => isoDate.slice(2).replaceAll("-", "");
const field = (value: string, length: number): string => value.replace(/ /g, "<").padEnd(length, "<").slice(0, length);

/** ICAO 9303 part 4 TD3 MRZ (2 × 44), written apart from the reader's parser. */
export function td3Lines(p: PassportHolder): [string, string] {
  const name = `${p.surname.replace(/ /g, "<")}<<${p.givenNames.replace(/ /g, "<")}`;
  const line1 = `P<${field(p.issuingState, 3)}${field(name, 39)}`;
  const number = field(p.passportNumber, 9);
  const birth = yymmdd(p.dateOfBirth);
  const expiry = yymmdd(p.expiryDate);
  const personal = "<".repeat(14);
  const head = `${number}${checkDigit(number)}${field(p.nationality, 3)}${birth}${checkDigit(birth)}${p.sex}${expiry}${checkDigit(expiry)}${personal}${checkDigit(personal)}`;
  const composite = checkDigit(head.slice(0, 10) + head.slice(13, 20) + head.slice(21, 43));
  return [line1, `${head}${composite}`];
}

export const PAGE_WIDTH = 1250;
export const PAGE_HEIGHT = 880;
export const PAGE_PORTRAIT = { x: 50, y: 190, width: 300, height: 400 } as const;

const escapeXml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function label(x: number, y: number, caption: string, value: string): string {
  return `<text x="${x}" y="${y}" font-family="DejaVu Sans" font-size="15" fill="#4a4a6a">${escapeXml(caption)}</text>
  <text x="${x}" y="${y + 30}" font-family="DejaVu Sans" font-size="24" font-weight="bold" fill="#1a1a1a">${escapeXml(value)}</text>`;
}

const printed = (isoDate: string): string => {
  const [y, m, d] = isoDate.split("-");
  const months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
  return `${d} ${months[Number(m) - 1]} ${y}`;
};

export function passportPageSvg(p: PassportHolder, mrz: readonly string[] = td3Lines(p)): string {
  const mrzText = mrz
    .map(
      (line, i) =>
        `<text x="48" y="${785 + i * 56}" font-family="OCR B" font-size="36" textLength="1150" lengthAdjust="spacing" fill="#111">${escapeXml(line)}</text>`,
    )
    .join("\n");
  const waves = Array.from({ length: 12 }, (_, k) => {
    let d = "";
    for (let x = 0; x <= PAGE_WIDTH; x += 14)
      d += `${x === 0 ? "M" : "L"}${x},${(120 + k * 48 + 16 * Math.sin(x / 53 + k)).toFixed(1)} `;
    return `<path d="${d}" stroke="#7a8fb8" stroke-width="1" fill="none" opacity="0.3"/>`;
  }).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${PAGE_WIDTH}" height="${PAGE_HEIGHT}">
  <rect width="100%" height="100%" rx="24" fill="#f1efe6"/>${waves}
  <text x="50" y="70" font-family="DejaVu Sans" font-size="30" font-weight="bold" fill="#2b3a67">PASSPORT</text>
  <text x="400" y="70" font-family="DejaVu Sans" font-size="20" fill="#2b3a67">ISSUING STATE ${escapeXml(p.issuingState)}</text>
  ${label(400, 120, "Type / Code", `P   ${p.issuingState}`)}
  ${label(820, 120, "Passport No.", p.passportNumber)}
  ${label(400, 200, "Surname", p.surname)}
  ${label(400, 270, "Given names", p.givenNames)}
  ${label(400, 340, "Nationality", p.nationality)}
  ${label(400, 410, "Date of birth", printed(p.dateOfBirth))}
  ${label(820, 410, "Sex", p.sex)}
  ${label(400, 480, "Date of issue", printed(p.issueDate))}
  ${label(820, 480, "Date of expiry", printed(p.expiryDate))}
  ${label(400, 550, "Authority", "MINISTRY OF FOREIGN AFFAIRS")}
  <rect x="0" y="720" width="${PAGE_WIDTH}" height="160" fill="#ffffff" opacity="0.6"/>
  ${mrzText}
</svg>`;
}

/** The data page as a PNG: `portrait` (any image) is fitted into the portrait box. */
export async function renderPassportPage(
  p: PassportHolder,
  portrait: Buffer,
  mrz?: readonly string[],
): Promise<Buffer> {
  const photo = await sharp(portrait)
    .resize(PAGE_PORTRAIT.width, PAGE_PORTRAIT.height, { fit: "cover" })
    .png()
    .toBuffer();
  return sharp(Buffer.from(passportPageSvg(p, mrz)))
    .composite([{ input: photo, left: PAGE_PORTRAIT.x, top: PAGE_PORTRAIT.y }])
    .flatten({ background: "#ffffff" })
    .png()
    .toBuffer();
}

/**
 * A plain photo of the page: on a table-coloured margin, JPEG at `jpegQuality`. capture.ts's
 * effects (perspective, blur, glare) assume the ID-1 card frame and are not applied to passports.
 */
export async function photographPage(page: Buffer, rng: Rng, jpegQuality = 92): Promise<Buffer> {
  const margin = (): number => rng.int(40, 140);
  const shade = rng.int(50, 110);
  return sharp(page)
    .extend({
      top: margin(),
      bottom: margin(),
      left: margin(),
      right: margin(),
      background: { r: shade, g: Math.round(shade * 0.8), b: Math.round(shade * 0.85) },
    })
    .jpeg({ quality: jpegQuality })
    .toBuffer();
}
