/**
 * Loader for OFAC's SDN list XML (`sdn.xml`: `<sdnList><publshInformation>…<sdnEntry>` with uid,
 * firstName/lastName, sdnType, programList, akaList, dateOfBirthList, nationalityList,
 * citizenshipList).
 */
import { createHash } from "node:crypto";
import { SanctionsListMalformedError } from "../errors.ts";
import type { BirthDateSpec, SanctionsEntry, SanctionsSnapshot } from "../port.ts";
import { parseOfacBirthDate } from "../birth-date.ts";
import { countryCode } from "../countries.ts";
import { decodeListBytes } from "./bytes.ts";
import { childOf, listOf, parseListXml, textOf, type XmlNode } from "./xml.ts";

const FORMAT = "OFAC_SDN" as const;
const ARRAY_TAGS = new Set(["sdnEntry", "program", "aka", "dateOfBirthItem", "nationality", "citizenship"]);

function fullName(node: XmlNode): string {
  return [textOf(node.firstName), textOf(node.lastName)].filter((s) => s !== "").join(" ");
}

function entryOf(node: unknown, position: number): SanctionsEntry {
  if (node === null || typeof node !== "object")
    throw new SanctionsListMalformedError(FORMAT, `sdnEntry #${position} is not an element`);
  const n = node as XmlNode;
  const uid = textOf(n.uid);
  if (!/^\d{1,12}$/.test(uid)) throw new SanctionsListMalformedError(FORMAT, `sdnEntry #${position} has no valid uid`);
  const aliases = listOf(childOf(n, "akaList"), "aka").map((a) => fullName(a as XmlNode));
  const names = [...new Set([fullName(n), ...aliases].filter((s) => s !== ""))];
  if (names.length === 0) throw new SanctionsListMalformedError(FORMAT, `sdnEntry ${uid} has no name`);
  const datesOfBirth = listOf(childOf(n, "dateOfBirthList"), "dateOfBirthItem")
    .map((d) => parseOfacBirthDate(textOf((d as XmlNode).dateOfBirth)))
    .filter((d): d is BirthDateSpec => d !== undefined);
  const countries = [
    ...listOf(childOf(n, "nationalityList"), "nationality"),
    ...listOf(childOf(n, "citizenshipList"), "citizenship"),
  ]
    .map((c) => countryCode(textOf((c as XmlNode).country)))
    .filter((c): c is string => c !== undefined);
  const kind = textOf(n.sdnType).toLowerCase() === "individual" ? "INDIVIDUAL" : "ENTITY";
  return {
    id: `OFAC:${uid}`,
    source: FORMAT,
    reference: uid,
    kind,
    names,
    datesOfBirth: kind === "INDIVIDUAL" ? datesOfBirth : [],
    nationalities: [...new Set(countries)],
    programs: listOf(childOf(n, "programList"), "program")
      .map(textOf)
      .filter((s) => s !== ""),
  };
}

export function parseOfacSdnXml(bytes: Uint8Array, options: { maxBytes?: number } = {}): SanctionsSnapshot {
  const text = decodeListBytes(bytes, options.maxBytes);
  const doc = parseListXml(text, FORMAT, ARRAY_TAGS);
  const root = childOf(doc, "sdnList");
  if (root === undefined) throw new SanctionsListMalformedError(FORMAT, "root element sdnList missing");
  const entries = listOf(root, "sdnEntry").map((n, i) => entryOf(n, i));
  const published = textOf(childOf(root, "publshInformation")?.Publish_Date) || "undated";
  const digest = createHash("sha256").update(bytes).digest("hex").slice(0, 12);
  return { version: `${FORMAT}@${published}#${digest}`, entries };
}
