/**
 * Loader for the UN Security Council Consolidated List XML
 * (`<CONSOLIDATED_LIST dateGenerated=…><INDIVIDUALS><INDIVIDUAL>…` and `<ENTITIES><ENTITY>…`).
 * Names are FIRST_NAME … FOURTH_NAME joined; aliases from *_ALIAS/ALIAS_NAME; dates of birth from
 * INDIVIDUAL_DATE_OF_BIRTH (DATE, YEAR, or FROM_YEAR/TO_YEAR); nationalities from NATIONALITY/VALUE.
 */
import { createHash } from "node:crypto";
import { SanctionsListMalformedError } from "../errors.ts";
import type { BirthDateSpec, SanctionsEntry, SanctionsSnapshot } from "../port.ts";
import { parseIsoBirthDate, yearSpec } from "../birth-date.ts";
import { countryCode } from "../countries.ts";
import { decodeListBytes } from "./bytes.ts";
import { childOf, listOf, parseListXml, textOf, type XmlNode } from "./xml.ts";

const FORMAT = "UN_CONSOLIDATED" as const;
const ARRAY_TAGS = new Set([
  "INDIVIDUAL",
  "ENTITY",
  "INDIVIDUAL_ALIAS",
  "ENTITY_ALIAS",
  "INDIVIDUAL_DATE_OF_BIRTH",
  "VALUE",
]);

function birthDates(node: XmlNode): BirthDateSpec[] {
  const out: BirthDateSpec[] = [];
  for (const item of listOf(node, "INDIVIDUAL_DATE_OF_BIRTH")) {
    const dob = item as XmlNode;
    const spec =
      parseIsoBirthDate(textOf(dob.DATE)) ??
      (textOf(dob.YEAR) !== "" ? yearSpec(Number(textOf(dob.YEAR))) : undefined) ??
      (textOf(dob.FROM_YEAR) !== "" ? yearSpec(Number(textOf(dob.FROM_YEAR)), Number(textOf(dob.TO_YEAR))) : undefined);
    if (spec !== undefined) out.push(spec);
  }
  return out;
}

function entryOf(node: unknown, kind: "INDIVIDUAL" | "ENTITY", position: number): SanctionsEntry {
  if (node === null || typeof node !== "object")
    throw new SanctionsListMalformedError(FORMAT, `${kind} #${position} is not an element`);
  const n = node as XmlNode;
  const dataId = textOf(n.DATAID);
  if (!/^\d{1,12}$/.test(dataId))
    throw new SanctionsListMalformedError(FORMAT, `${kind} #${position} has no valid DATAID`);
  const primary = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"]
    .map((k) => textOf(n[k]))
    .filter((s) => s !== "")
    .join(" ");
  const aliasTag = kind === "INDIVIDUAL" ? "INDIVIDUAL_ALIAS" : "ENTITY_ALIAS";
  const aliases = listOf(n, aliasTag)
    .map((a) => textOf((a as XmlNode).ALIAS_NAME))
    .filter((s) => s !== "");
  const names = [...new Set([primary, ...aliases].filter((s) => s !== ""))];
  if (names.length === 0) throw new SanctionsListMalformedError(FORMAT, `${kind} ${dataId} has no name`);
  const nationalities = listOf(childOf(n, "NATIONALITY"), "VALUE")
    .map((v) => countryCode(textOf(v)))
    .filter((c): c is string => c !== undefined);
  const program = textOf(n.UN_LIST_TYPE);
  return {
    id: `UN:${dataId}`,
    source: FORMAT,
    reference: textOf(n.REFERENCE_NUMBER) || dataId,
    kind,
    names,
    datesOfBirth: kind === "INDIVIDUAL" ? birthDates(n) : [],
    nationalities: [...new Set(nationalities)],
    programs: program === "" ? [] : [program],
  };
}

export function parseUnConsolidatedXml(bytes: Uint8Array, options: { maxBytes?: number } = {}): SanctionsSnapshot {
  const text = decodeListBytes(bytes, options.maxBytes);
  const doc = parseListXml(text, FORMAT, ARRAY_TAGS);
  const root = childOf(doc, "CONSOLIDATED_LIST");
  if (root === undefined) throw new SanctionsListMalformedError(FORMAT, "root element CONSOLIDATED_LIST missing");
  const individuals = listOf(childOf(root, "INDIVIDUALS"), "INDIVIDUAL").map((n, i) => entryOf(n, "INDIVIDUAL", i));
  const entities = listOf(childOf(root, "ENTITIES"), "ENTITY").map((n, i) => entryOf(n, "ENTITY", i));
  const generated = typeof root["@_dateGenerated"] === "string" ? root["@_dateGenerated"] : "undated";
  const digest = createHash("sha256").update(bytes).digest("hex").slice(0, 12);
  return { version: `${FORMAT}@${generated}#${digest}`, entries: [...individuals, ...entities] };
}
