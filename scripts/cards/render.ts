/**
 * Draws the front and back of a synthetic chip CCCD as PNG buffers in the canonical card frame
 * (node/src/ekyc/document/layout.ts): SVG for background, text and MRZ (DejaVu Sans for
 * Vietnamese, OCR-B for the MRZ, both from Debian), then the portrait, its ghost and the QR
 * composited by sharp.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import {
  BACK_ISSUE_DATE_TEXT,
  BACK_MRZ_TEXT,
  CARD_HEIGHT,
  CARD_WIDTH,
  FRONT_GHOST,
  FRONT_PORTRAIT,
  FRONT_QR,
  FRONT_TEXT,
} from "../../node/src/ekyc/document/layout.ts";
import { DEFAULT_FACE_EVAL_DIR } from "../../node/src/ekyc/biometrics/eval-set.ts";
import { td1Lines } from "./mrz.ts";
import { printedDate, printedSex, type SyntheticPerson } from "./people.ts";
import { qrModules } from "./qr.ts";
import type { Rng } from "./random.ts";

// The shared eval faces beside the repository (../shared/eval/faces), wherever it is cloned.
export const FACES_DIR = process.env.KYCNET_EVAL_FACES ?? DEFAULT_FACE_EVAL_DIR;

const escapeXml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function text(
  x: number,
  y: number,
  size: number,
  value: string,
  opts: { bold?: boolean; fill?: string; anchor?: string; family?: string } = {},
): string {
  const family = opts.family ?? "DejaVu Sans";
  return `<text x="${x}" y="${y}" font-family="${family}" font-size="${size}" ${opts.bold === true ? 'font-weight="bold"' : ""} fill="${opts.fill ?? "#1a1a1a"}" ${opts.anchor ? `text-anchor="${opts.anchor}"` : ""}>${escapeXml(value)}</text>`;
}

/** Splits a long address at a comma so each printed line fits its box (the reader joins with ", "). */
export function addressLines(address: string): [string, string] {
  const limit = 46;
  if (address.length <= limit) return [address, ""];
  let cut = address.lastIndexOf(", ", limit);
  if (cut <= 0) cut = address.indexOf(", ");
  if (cut <= 0) return [address, ""];
  return [address.slice(0, cut), address.slice(cut + 2)];
}

function guilloche(width: number, height: number, colour: string): string {
  const paths: string[] = [];
  for (let k = 0; k < 14; k++) {
    let d = "";
    for (let x = 0; x <= width; x += 12) {
      const y = height * 0.2 + k * 28 + 14 * Math.sin(x / 47 + k * 0.9);
      d += `${x === 0 ? "M" : "L"}${x},${y.toFixed(1)} `;
    }
    paths.push(`<path d="${d}" stroke="${colour}" stroke-width="1" fill="none" opacity="0.35"/>`);
  }
  return paths.join("");
}

function cardBackground(accent: string): string {
  return `<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#eef6f1"/><stop offset="0.5" stop-color="#f8f4e6"/><stop offset="1" stop-color="#e9eef8"/></linearGradient></defs>
  <rect x="0" y="0" width="${CARD_WIDTH}" height="${CARD_HEIGHT}" rx="34" fill="url(#bg)"/>${guilloche(CARD_WIDTH, CARD_HEIGHT, accent)}`;
}

/** Front SVG without portrait and QR (composited afterwards). `overrides` lets tampering reprint a field. */
export function frontSvg(p: SyntheticPerson, overrides: Partial<Record<keyof typeof FRONT_TEXT, string>> = {}): string {
  const [address1, address2] = addressLines(p.address);
  const values: Record<keyof typeof FRONT_TEXT, string> = {
    idNumber: p.idNumber,
    fullName: p.fullName,
    dateOfBirth: printedDate(p.dateOfBirth),
    sex: printedSex(p.sex),
    nationality: "Việt Nam",
    addressLine1: address1,
    addressLine2: address2,
    expiryDate: p.expiryDate === "" ? "Không thời hạn" : printedDate(p.expiryDate),
    ...overrides,
  };
  const fields = (Object.keys(FRONT_TEXT) as Array<keyof typeof FRONT_TEXT>)
    .map((k) => {
      const t = FRONT_TEXT[k];
      return text(t.x, t.y, t.size, values[k], { bold: t.bold, fill: k === "idNumber" ? "#b3121b" : "#111" });
    })
    .join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${CARD_WIDTH}" height="${CARD_HEIGHT}">
  ${cardBackground("#b9d3c2")}
  <circle cx="95" cy="95" r="58" fill="#c8102e"/><circle cx="95" cy="95" r="44" fill="#f4c430"/>
  <polygon points="95,62 103,86 128,86 108,101 115,125 95,110 75,125 82,101 62,86 87,86" fill="#c8102e"/>
  ${text(470, 54, 21, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", { bold: true, anchor: "middle" })}
  ${text(470, 82, 19, "Độc lập - Tự do - Hạnh phúc", { bold: true, anchor: "middle" })}
  ${text(470, 140, 34, "CĂN CƯỚC CÔNG DÂN", { bold: true, anchor: "middle", fill: "#c8102e" })}
  ${text(470, 166, 17, "Citizen Identity Card", { anchor: "middle" })}
  ${text(290, 224, 17, "Số / No.:")}
  ${text(290, 268, 17, "Họ và tên / Full name:")}
  ${text(290, 350, 17, "Ngày sinh / Date of birth:")}
  ${text(290, 390, 17, "Giới tính / Sex:")}
  ${text(590, 390, 17, "Quốc tịch / Nationality:")}
  ${text(290, 430, 17, "Quê quán / Place of origin:")}
  ${text(290, 462, 21, p.placeOfOrigin)}
  ${text(290, 500, 17, "Nơi thường trú / Place of residence:")}
  ${text(42, 532, 15, "Có giá trị đến:")}
  ${text(42, 552, 13, "Date of expiry")}
  ${fields}
</svg>`;
}

/** `issueDate`: the printed issue date, the person's unless a test prints another one. */
export function backSvg(
  p: SyntheticPerson,
  mrz: readonly string[] = td1Lines(p),
  issueDate = printedDate(p.issueDate),
): string {
  const mrzText = mrz
    .map((line, i) =>
      text(BACK_MRZ_TEXT.x, BACK_MRZ_TEXT.y + i * BACK_MRZ_TEXT.pitch, BACK_MRZ_TEXT.size, line, { family: "OCR B" }),
    )
    .join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${CARD_WIDTH}" height="${CARD_HEIGHT}">
  ${cardBackground("#c9c2dd")}
  ${text(40, 60, 16, "Đặc điểm nhân dạng / Personal identification:")}
  ${text(40, 88, 18, "Nốt ruồi C:1cm dưới sau đuôi mắt trái")}
  ${text(40, 140, 16, "Ngày, tháng, năm / Date, month, year:")}
  ${text(BACK_ISSUE_DATE_TEXT.x, BACK_ISSUE_DATE_TEXT.y, BACK_ISSUE_DATE_TEXT.size, issueDate, { bold: BACK_ISSUE_DATE_TEXT.bold })}
  ${text(40, 180, 15, "CỤC TRƯỞNG CỤC CẢNH SÁT", { bold: true })}
  ${text(40, 200, 15, "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI", { bold: true })}
  <path d="M70,250 C110,215 140,285 180,240 S250,230 270,255" stroke="#1d3c8f" stroke-width="3" fill="none"/>
  <rect x="440" y="200" width="120" height="92" rx="14" fill="#d4af37" stroke="#8a6d1b" stroke-width="3"/>
  <rect x="620" y="30" width="170" height="230" rx="10" fill="none" stroke="#555"/>
  <rect x="805" y="30" width="170" height="230" rx="10" fill="none" stroke="#555"/>
  <ellipse cx="705" cy="140" rx="55" ry="75" fill="#9a9a9a" opacity="0.45"/>
  <ellipse cx="890" cy="140" rx="55" ry="75" fill="#9a9a9a" opacity="0.45"/>
  ${text(705, 285, 13, "Ngón trỏ trái", { anchor: "middle" })}
  ${text(890, 285, 13, "Ngón trỏ phải", { anchor: "middle" })}
  <rect x="0" y="410" width="${CARD_WIDTH}" height="228" fill="#ffffff" opacity="0.55"/>
  ${mrzText}
</svg>`;
}

/** QR symbol as a PNG of the exact on-card size, plus a white quiet zone of 4 modules. */
async function qrPng(payload: string): Promise<{ png: Buffer; left: number; top: number }> {
  const modules = qrModules(payload);
  const n = FRONT_QR.modules;
  const quiet = 4;
  const scale = 2; // draw at 2× and let sharp downsample: 3.5 px modules need sub-pixel edges
  const pxPerModule = FRONT_QR.moduleSize * scale;
  const side = Math.round((n + 2 * quiet) * pxPerModule);
  const raw = Buffer.alloc(side * side, 255);
  for (let y = 0; y < side; y++) {
    const my = Math.floor(y / pxPerModule) - quiet;
    for (let x = 0; x < side; x++) {
      const mx = Math.floor(x / pxPerModule) - quiet;
      if (mx >= 0 && my >= 0 && mx < n && my < n && modules[my * n + mx] === 1) raw[y * side + x] = 0;
    }
  }
  const outSide = Math.round(side / scale);
  const png = await sharp(raw, { raw: { width: side, height: side, channels: 1 } })
    .resize(outSide, outSide)
    .png()
    .toBuffer();
  return {
    png,
    left: Math.round(FRONT_QR.x - quiet * FRONT_QR.moduleSize),
    top: Math.round(FRONT_QR.y - quiet * FRONT_QR.moduleSize),
  };
}

/** A portrait from the shared eval faces (chosen by the rng), or a drawn placeholder. */
export async function portraitPng(rng: Rng, avoid?: string): Promise<{ png: Buffer; source: string }> {
  const { width, height } = FRONT_PORTRAIT;
  try {
    const people = (await readdir(FACES_DIR, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    const candidates = people.filter((p) => p !== avoid);
    if (candidates.length > 0) {
      const who = rng.pick(candidates);
      const files = (await readdir(join(FACES_DIR, who))).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
      const file = rng.pick(files);
      const png = await sharp(await readFile(join(FACES_DIR, who, file)))
        .resize(width, height, { fit: "cover" })
        .png()
        .toBuffer();
      return { png, source: who };
    }
  } catch {
    // no eval faces on this machine: fall through to the placeholder
  }
  const shade = rng.int(90, 170);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#dfe6ee"/>
    <circle cx="${width / 2}" cy="${height * 0.38}" r="${width * 0.24}" fill="rgb(${shade},${shade},${shade})"/>
    <ellipse cx="${width / 2}" cy="${height}" rx="${width * 0.45}" ry="${height * 0.35}" fill="rgb(${shade},${shade},${shade})"/></svg>`;
  return { png: await sharp(Buffer.from(svg)).png().toBuffer(), source: `placeholder-${shade}` };
}

export interface RenderedCard {
  front: Buffer; // PNG, canonical frame
  back: Buffer;
  portraitSource: string;
}

/**
 * How much of the portrait's darkness the ghost keeps: a laser ghost is a light grey engraving,
 * roughly the portrait's tones squeezed into the top 35 % of the grey scale.
 */
export const GHOST_STRENGTH = 0.35;

/**
 * The ghost image: a small, light grey copy of `portrait` for FRONT_GHOST, to be multiplied onto the
 * card so the guilloche shows through it as through a real laser engraving.
 */
export async function ghostPng(portrait: Buffer): Promise<Buffer> {
  const { width, height } = FRONT_GHOST;
  return sharp(portrait)
    .resize(width, height, { fit: "cover" })
    .grayscale()
    .linear(GHOST_STRENGTH, 255 * (1 - GHOST_STRENGTH))
    .toColourspace("srgb")
    .png()
    .toBuffer();
}

/**
 * The front in the canonical frame. `ghostSource` is the portrait the card was issued with, engraved
 * as the ghost image; it is the main portrait on an honest card, the original holder's photo on a
 * card whose main portrait was swapped. `null` draws no ghost (a card missing its ghost).
 */
export async function renderFront(
  p: SyntheticPerson,
  portrait: Buffer,
  qrText: string,
  overrides: Parameters<typeof frontSvg>[1] = {},
  ghostSource: Buffer | null = portrait,
): Promise<Buffer> {
  const qr = await qrPng(qrText);
  const ghost =
    ghostSource === null
      ? []
      : [{ input: await ghostPng(ghostSource), left: FRONT_GHOST.x, top: FRONT_GHOST.y, blend: "multiply" as const }];
  return sharp(Buffer.from(frontSvg(p, overrides)))
    .composite([
      ...ghost,
      { input: portrait, left: FRONT_PORTRAIT.x, top: FRONT_PORTRAIT.y },
      { input: qr.png, left: qr.left, top: qr.top },
    ])
    .flatten({ background: "#ffffff" })
    .png()
    .toBuffer();
}

export async function renderBack(p: SyntheticPerson, mrz?: readonly string[], issueDate?: string): Promise<Buffer> {
  return sharp(Buffer.from(backSvg(p, mrz, issueDate)))
    .flatten({ background: "#ffffff" })
    .png()
    .toBuffer();
}
