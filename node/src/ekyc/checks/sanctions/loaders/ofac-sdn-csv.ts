/**
 * Loader for OFAC's SDN CSV (`sdn.csv`, no header: ent_num, SDN_Name, SDN_Type, Program, Title,
 * Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks; "-0-" is null), with the
 * optional `alt.csv` (ent_num, alt_num, alt_type, alt_name, alt_remarks) for aliases. Dates of
 * birth, nationality/citizenship and quoted a.k.a. names are read from Remarks.
 */
import { createHash } from "node:crypto";
import { SanctionsListMalformedError, SanctionsListTooLargeError } from "../errors.ts";
import type { BirthDateSpec, SanctionsEntry, SanctionsSnapshot } from "../port.ts";
import { parseOfacBirthDate } from "../birth-date.ts";
import { countryCode } from "../countries.ts";
import { decodeListBytes } from "./bytes.ts";

const FORMAT = "OFAC_SDN_CSV" as const;
const MAX_FIELDS = 64;
const MAX_ROWS = 500_000;

/** RFC 4180 rows (quoted fields, doubled quotes, CRLF or LF); a trailing SUB (0x1A) is ignored. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  // eslint-disable-next-line no-control-regex -- SUB (0x1A) is the DOS end-of-file mark this strips on purpose
  const body = text.replace(/\u001a\s*$/u, "");
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (body[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === "\n") line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field.trim() === "") {
      quoted = true;
      field = "";
    } else if (ch === ",") {
      row.push(field);
      field = "";
      if (row.length > MAX_FIELDS)
        throw new SanctionsListMalformedError(FORMAT, `more than ${MAX_FIELDS} fields`, { line });
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && body[i + 1] === "\n") i++;
      row.push(field);
      field = "";
      if (row.length > 1 || (row[0] ?? "") !== "") rows.push(row);
      if (rows.length > MAX_ROWS) throw new SanctionsListTooLargeError("row count", MAX_ROWS);
      row = [];
      line++;
    } else {
      field += ch;
    }
  }
  if (quoted) throw new SanctionsListMalformedError(FORMAT, "unterminated quoted field", { line });
  row.push(field);
  if (row.length > 1 || (row[0] ?? "") !== "") rows.push(row);
  return rows;
}

const nullable = (v: string | undefined): string => {
  const t = (v ?? "").trim();
  return t === "-0-" ? "" : t;
};

/** "PHAM, Quoc Bao" → "Quoc Bao PHAM" (first names first, like the XML loader). */
function displayName(sdnName: string): string {
  const comma = sdnName.indexOf(",");
  return comma < 0 ? sdnName : `${sdnName.slice(comma + 1).trim()} ${sdnName.slice(0, comma).trim()}`.trim();
}

interface Remarks {
  datesOfBirth: BirthDateSpec[];
  nationalities: string[];
  aliases: string[];
}

function parseRemarks(remarks: string): Remarks {
  const out: Remarks = { datesOfBirth: [], nationalities: [], aliases: [] };
  for (const part of remarks.replace(/\.$/, "").split(";")) {
    const p = part.trim();
    const dob = /^(?:alt\.\s+)?DOB\s+(.+)$/i.exec(p);
    if (dob) {
      const spec = parseOfacBirthDate(dob[1] as string);
      if (spec !== undefined) out.datesOfBirth.push(spec);
      continue;
    }
    const country = /^(?:alt\.\s+)?(?:nationality|citizen)\s+(.+)$/i.exec(p);
    if (country) {
      const code = countryCode(country[1] as string);
      if (code !== undefined) out.nationalities.push(code);
      continue;
    }
    for (const m of p.matchAll(/(?:a\.k\.a\.|f\.k\.a\.)\s+'([^']+)'/gi)) out.aliases.push(m[1] as string);
  }
  return out;
}

export function parseOfacSdnCsv(
  sdnBytes: Uint8Array,
  options: { altBytes?: Uint8Array; maxBytes?: number } = {},
): SanctionsSnapshot {
  const rows = parseCsv(decodeListBytes(sdnBytes, options.maxBytes));
  const aliasesByEntry = new Map<string, string[]>();
  if (options.altBytes !== undefined) {
    for (const alt of parseCsv(decodeListBytes(options.altBytes, options.maxBytes))) {
      const entNum = nullable(alt[0]);
      const name = nullable(alt[3]);
      if (!/^\d{1,12}$/.test(entNum) || name === "")
        throw new SanctionsListMalformedError(
          FORMAT,
          `alt.csv row for ${JSON.stringify(entNum.slice(0, 20))} is invalid`,
        );
      const list = aliasesByEntry.get(entNum) ?? [];
      list.push(displayName(name));
      aliasesByEntry.set(entNum, list);
    }
  }
  const entries: SanctionsEntry[] = rows.map((row, i) => {
    if (row.length !== 12)
      throw new SanctionsListMalformedError(FORMAT, `row ${i + 1} has ${row.length} fields, expected 12`, {
        line: i + 1,
      });
    const entNum = nullable(row[0]);
    if (!/^\d{1,12}$/.test(entNum))
      throw new SanctionsListMalformedError(FORMAT, `row ${i + 1} has no valid ent_num`, { line: i + 1 });
    const name = nullable(row[1]);
    if (name === "") throw new SanctionsListMalformedError(FORMAT, `entry ${entNum} has no name`, { line: i + 1 });
    const kind = nullable(row[2]).toLowerCase() === "individual" ? "INDIVIDUAL" : "ENTITY";
    const remarks = parseRemarks(nullable(row[11]));
    const names = [...new Set([displayName(name), ...(aliasesByEntry.get(entNum) ?? []), ...remarks.aliases])];
    return {
      id: `OFAC:${entNum}`,
      source: "OFAC_SDN",
      reference: entNum,
      kind,
      names,
      datesOfBirth: kind === "INDIVIDUAL" ? remarks.datesOfBirth : [],
      nationalities: [...new Set(remarks.nationalities)],
      programs: nullable(row[3])
        .split(/\]\s*\[/)
        .map((p) => p.replace(/[[\]]/g, "").trim())
        .filter((p) => p !== ""),
    };
  });
  const digest = createHash("sha256").update(sdnBytes).digest("hex").slice(0, 12);
  return { version: `OFAC_SDN@csv#${digest}`, entries };
}
