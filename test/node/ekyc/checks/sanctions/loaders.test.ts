/**
 * Loaders for the published list formats, on our hand-written fixtures, and every way a list file
 * can be bad: truncated, wrong encoding, DTD, wrong root, missing ids, too big, empty.
 */
import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseUnConsolidatedXml } from "../../../../../node/src/ekyc/checks/sanctions/loaders/un-consolidated.ts";
import { parseOfacSdnXml } from "../../../../../node/src/ekyc/checks/sanctions/loaders/ofac-sdn-xml.ts";
import { parseCsv, parseOfacSdnCsv } from "../../../../../node/src/ekyc/checks/sanctions/loaders/ofac-sdn-csv.ts";
import {
  loadSanctionsFile,
  loadSanctionsFiles,
} from "../../../../../node/src/ekyc/checks/sanctions/loaders/load-file.ts";
import { IndexedSanctionsList } from "../../../../../node/src/ekyc/checks/sanctions/indexed-list.ts";

const dir = new URL("../../../../fixtures/sanctions/", import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, dir));
const path = (name: string): string => new URL(name, dir).pathname;
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function expectCode(fn: () => unknown, code: string): void {
  expect(fn).to.throw().with.property("code", code);
}

describe("sanctions list loaders", () => {
  describe("UN consolidated list XML", () => {
    const snapshot = parseUnConsolidatedXml(fixture("un-consolidated.xml"));
    it("reads individuals and entities with references, aliases, dates and nationalities", () => {
      expect(snapshot.version).to.match(/^UN_CONSOLIDATED@2026-11-20T08:00:01\.250-05:00#[0-9a-f]{12}$/);
      expect(snapshot.entries.map((e) => [e.id, e.kind])).to.deep.equal([
        ["UN:9100001", "INDIVIDUAL"],
        ["UN:9100002", "INDIVIDUAL"],
        ["UN:9100003", "INDIVIDUAL"],
        ["UN:9200001", "ENTITY"],
      ]);
      expect(snapshot.entries[0]).to.deep.include({
        reference: "FXi.001",
        names: ["HUNG VAN TRAN", "Tran Hung", "Hung Saigon"],
        datesOfBirth: [{ fromYear: 1968, toYear: 1968, date: "1968-03-12" }],
        nationalities: ["VNM"],
      });
    });
    it("reads approximate and between-years dates, several nationalities, and skips empty aliases and unknown countries", () => {
      expect(snapshot.entries[1]).to.deep.include({
        names: ["ĐỖ MINH KHOA"],
        datesOfBirth: [{ fromYear: 1979, toYear: 1979 }],
        nationalities: ["VNM", "KHM"],
      });
      expect(snapshot.entries[2]).to.deep.include({
        datesOfBirth: [{ fromYear: 1955, toYear: 1960 }],
        nationalities: [],
      });
    });
    it("decodes XML entities in names", () => {
      expect(snapshot.entries[3]?.names).to.include("Golden Lotus Trading Co & Partners");
    });
  });

  describe("OFAC SDN XML and CSV", () => {
    const xml = parseOfacSdnXml(fixture("ofac-sdn.xml"));
    it("reads entries, akas, OFAC date forms, nationality and citizenship", () => {
      expect(xml.version).to.match(/^OFAC_SDN@11\/21\/2026#/);
      expect(xml.entries[0]).to.deep.include({
        id: "OFAC:90001",
        kind: "INDIVIDUAL",
        names: ["Quoc Bao PHAM", "Bao Quoc PHAM", "BAO THE BOATMAN"],
        datesOfBirth: [{ fromYear: 1975, toYear: 1975, date: "1975-09-05" }],
        nationalities: ["VNM"],
      });
      expect(xml.entries[1]).to.deep.include({ kind: "ENTITY", names: ["MEKONG STAR SHIPPING LTD"] });
      expect(xml.entries[2]).to.deep.include({
        datesOfBirth: [
          { fromYear: 1962, toYear: 1962 },
          { fromYear: 1960, toYear: 1964 },
        ],
        nationalities: ["RUS"],
        programs: ["FIXTURE", "FIXTURE-2"],
      });
    });
    it("the CSV form (sdn.csv + alt.csv) gives the same entries as the XML", () => {
      const csv = parseOfacSdnCsv(fixture("ofac-sdn.csv"), { altBytes: fixture("ofac-alt.csv") });
      expect(csv.entries).to.deep.equal(xml.entries);
    });
    it("parses quoted CSV fields with commas, doubled quotes and CRLF", () => {
      expect(parseCsv('1,"a, ""b""",c\r\n2,x,y\n')).to.deep.equal([
        ["1", 'a, "b"', "c"],
        ["2", "x", "y"],
      ]);
    });
  });

  describe("files", () => {
    it("loads and merges several files into one snapshot", async () => {
      const snapshot = await loadSanctionsFiles([
        { format: "UN_CONSOLIDATED_XML", path: path("un-consolidated.xml") },
        { format: "OFAC_SDN_CSV", path: path("ofac-sdn.csv"), altPath: path("ofac-alt.csv") },
      ]);
      expect(snapshot.entries).to.have.length(7);
      expect(snapshot.version).to.match(/^UN_CONSOLIDATED@.+\+OFAC_SDN@csv#/);
    });
    it("refuses a file over the size limit before reading it", async () => {
      try {
        await loadSanctionsFile({ format: "OFAC_SDN_XML", path: path("ofac-sdn.xml") }, { maxBytes: 100 });
        expect.fail("should throw");
      } catch (error) {
        expect(error).to.have.property("code", "SANCTIONS_LIST_TOO_LARGE");
      }
    });
    it("refuses an empty list at reload, keeping the previous list active", async () => {
      const list = new IndexedSanctionsList(
        await loadSanctionsFile({ format: "UN_CONSOLIDATED_XML", path: path("un-consolidated.xml") }),
      );
      const empty = await loadSanctionsFile({ format: "UN_CONSOLIDATED_XML", path: path("un-empty.xml") });
      expect(empty.entries).to.have.length(0);
      try {
        await list.reload(empty);
        expect.fail("should throw");
      } catch (error) {
        expect(error).to.have.property("code", "SANCTIONS_LIST_EMPTY");
      }
      expect(list.screen({ fullName: "Tran Van Hung" }).hits).to.have.length(1);
    });
    it("a malformed file fails at load, so the active list is never touched", async () => {
      const tmp = await mkdtemp(join(tmpdir(), "kycnet-sanctions-"));
      try {
        const bad = join(tmp, "truncated.xml");
        await writeFile(bad, fixture("un-consolidated.xml").subarray(0, 900));
        const list = new IndexedSanctionsList(parseUnConsolidatedXml(fixture("un-consolidated.xml")));
        const before = list.info();
        try {
          await list.reload(await loadSanctionsFile({ format: "UN_CONSOLIDATED_XML", path: bad }));
          expect.fail("should throw");
        } catch (error) {
          expect(error).to.have.property("code", "SANCTIONS_LIST_MALFORMED");
        }
        expect(list.info()).to.deep.equal(before);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    });
  });

  describe("malformed input", () => {
    const un = fixture("un-consolidated.xml").toString("utf8");
    it("rejects truncated XML (partial download) with the line", () => {
      try {
        parseUnConsolidatedXml(utf8(un.slice(0, un.length / 2)));
        expect.fail("should throw");
      } catch (error) {
        expect(error).to.have.property("code", "SANCTIONS_LIST_MALFORMED");
        expect((error as { details: { line?: number } }).details.line).to.be.a("number");
      }
    });
    it("rejects bytes that are not UTF-8 (Latin-1)", () => {
      const latin1 = Buffer.from(un.replace("ĐỖ", "Lê"), "latin1");
      expectCode(() => parseUnConsolidatedXml(latin1), "SANCTIONS_LIST_ENCODING");
    });
    it("rejects UTF-16", () => {
      expectCode(
        () => parseUnConsolidatedXml(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(un, "utf16le")])),
        "SANCTIONS_LIST_ENCODING",
      );
    });
    it("rejects a declared encoding other than UTF-8", () => {
      expectCode(
        () => parseUnConsolidatedXml(utf8(un.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'))),
        "SANCTIONS_LIST_ENCODING",
      );
    });
    it("accepts a UTF-8 byte order mark", () => {
      expect(
        parseUnConsolidatedXml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(un)])).entries,
      ).to.have.length(4);
    });
    it("rejects a DTD with entities (expansion attacks)", () => {
      const bomb = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>&b;</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>`;
      expectCode(() => parseUnConsolidatedXml(utf8(bomb)), "SANCTIONS_LIST_MALFORMED");
    });
    it("rejects the wrong root element (an OFAC file given as UN)", () => {
      expectCode(() => parseUnConsolidatedXml(fixture("ofac-sdn.xml")), "SANCTIONS_LIST_MALFORMED");
      expectCode(() => parseOfacSdnXml(fixture("un-consolidated.xml")), "SANCTIONS_LIST_MALFORMED");
    });
    it("rejects an entry without an id or without a name", () => {
      expectCode(
        () => parseUnConsolidatedXml(utf8(un.replace("<DATAID>9100002</DATAID>", ""))),
        "SANCTIONS_LIST_MALFORMED",
      );
      const xml = fixture("ofac-sdn.xml").toString("utf8").replace("<lastName>MEKONG STAR SHIPPING LTD</lastName>", "");
      expectCode(() => parseOfacSdnXml(utf8(xml)), "SANCTIONS_LIST_MALFORMED");
    });
    it("rejects input over the byte limit", () => {
      expectCode(() => parseOfacSdnXml(fixture("ofac-sdn.xml"), { maxBytes: 10 }), "SANCTIONS_LIST_TOO_LARGE");
    });
    it("rejects CSV rows with the wrong number of fields, bad ids, and unterminated quotes", () => {
      expectCode(() => parseOfacSdnCsv(utf8('1,"A B",individual\n')), "SANCTIONS_LIST_MALFORMED");
      expectCode(
        () => parseOfacSdnCsv(utf8('x1,"A B",-0- ,P,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n')),
        "SANCTIONS_LIST_MALFORMED",
      );
      expectCode(() => parseOfacSdnCsv(utf8('1,"A B,-0- \n')), "SANCTIONS_LIST_MALFORMED");
      expectCode(
        () => parseOfacSdnCsv(fixture("ofac-sdn.csv"), { altBytes: utf8("zz,1,aka,-0- ,-0- \n") }),
        "SANCTIONS_LIST_MALFORMED",
      );
    });
  });
});
