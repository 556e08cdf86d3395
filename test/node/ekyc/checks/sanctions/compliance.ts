/**
 * The SanctionsList compliance suite: the indexed list (real adapter) and the linear scan (fake)
 * must give the same, correct answers. Run by indexed-list.test.ts and linear-list.test.ts.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { isKycnetError } from "@kycnet/sdk/errors";
import type {
  SanctionsEntry,
  SanctionsList,
  SanctionsSnapshot,
  ScreeningQuery,
} from "../../../../../node/src/ekyc/checks/sanctions/port.ts";
import { parseIsoBirthDate } from "../../../../../node/src/ekyc/checks/sanctions/birth-date.ts";
import { parseUnConsolidatedXml } from "../../../../../node/src/ekyc/checks/sanctions/loaders/un-consolidated.ts";
import { parseOfacSdnXml } from "../../../../../node/src/ekyc/checks/sanctions/loaders/ofac-sdn-xml.ts";
import { mergeSnapshots } from "../../../../../node/src/ekyc/checks/sanctions/snapshot.ts";

const FIXTURES = new URL("../../../../fixtures/sanctions/", import.meta.url);

export interface LabelledPair {
  query: ScreeningQuery;
  listed: { name: string; dateOfBirth?: string; nationality?: string };
  hit: boolean;
  why: string;
}

export const LABELLED_PAIRS: readonly LabelledPair[] = (
  JSON.parse(readFileSync(new URL("labelled-name-pairs.json", FIXTURES), "utf8")) as { pairs: LabelledPair[] }
).pairs;

/** One entry per labelled pair, all in one list (so the index is exercised with neighbours). */
export function labelledSnapshot(): SanctionsSnapshot {
  const entries: SanctionsEntry[] = LABELLED_PAIRS.map((pair, i) => {
    const dob = pair.listed.dateOfBirth === undefined ? undefined : parseIsoBirthDate(pair.listed.dateOfBirth);
    return {
      id: `LAB:${i}`,
      source: "OFAC_SDN",
      reference: String(i),
      kind: "INDIVIDUAL",
      names: [pair.listed.name],
      datesOfBirth: dob === undefined ? [] : [dob],
      nationalities: pair.listed.nationality === undefined ? [] : [pair.listed.nationality],
      programs: [],
    };
  });
  return { version: "labelled@1", entries };
}

export function fixtureSnapshot(): SanctionsSnapshot {
  return mergeSnapshots([
    parseUnConsolidatedXml(readFileSync(new URL("un-consolidated.xml", FIXTURES))),
    parseOfacSdnXml(readFileSync(new URL("ofac-sdn.xml", FIXTURES))),
  ]);
}

async function expectRejection(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.have.property("code", code);
    return;
  }
  expect.fail(`expected a rejection with ${code}`);
}

function expectInvalid(fn: () => unknown, field: string): void {
  try {
    fn();
  } catch (error) {
    expect(isKycnetError(error, "INVALID_ARGUMENT"), String(error)).to.equal(true);
    expect((error as { details: { field: string } }).details.field).to.equal(field);
    return;
  }
  expect.fail(`expected INVALID_ARGUMENT on ${field}`);
}

export function describeSanctionsListCompliance(
  name: string,
  make: (snapshot: SanctionsSnapshot) => SanctionsList,
): void {
  describe(`SanctionsList compliance: ${name}`, () => {
    describe("labelled name pairs", () => {
      const list = make(labelledSnapshot());
      LABELLED_PAIRS.forEach((pair, i) => {
        it(`${pair.hit ? "hits" : "does not hit"}: ${pair.query.fullName} ~ ${pair.listed.name} (${pair.why})`, () => {
          const ids = list.screen(pair.query, { maxHits: 100 }).hits.map((h) => h.entryId);
          expect(ids.includes(`LAB:${i}`)).to.equal(pair.hit);
        });
      });
    });

    describe("published-format fixtures", () => {
      const list = make(fixtureSnapshot());
      it("finds a UN individual listed in western order from a Vietnamese-order query with diacritics", () => {
        const [hit] = list.screen({ fullName: "Trần Văn Hùng", dateOfBirth: "1968-03-12", nationality: "VNM" }).hits;
        expect(hit).to.include({
          entryId: "UN:9100001",
          reference: "FXi.001",
          score: 1,
          dateOfBirth: "EXACT",
          nationality: "MATCH",
        });
      });
      it("matches through an alias and reports which name matched", () => {
        const [hit] = list.screen({ fullName: "Karim Bahadur Khan" }).hits;
        expect(hit).to.include({ entryId: "UN:9100003", matchedName: "Karim Bahadur Khan" });
      });
      it("folds Đ in the list as well as in the query", () => {
        expect(list.screen({ fullName: "Do Minh Khoa" }).hits.map((h) => h.entryId)).to.deep.equal(["UN:9100002"]);
      });
      it("screens entities by name", () => {
        expect(list.screen({ fullName: "Mekong Star Shipping" }).hits.map((h) => h.entryId)).to.deep.equal([
          "OFAC:90002",
        ]);
      });
      it("orders tie-breakers: exact date > same year > unknown > conflicting", () => {
        const score = (dateOfBirth?: string) =>
          list.screen({ fullName: "Phan Quoc Bao", ...(dateOfBirth ? { dateOfBirth } : {}) }, { threshold: 0.5 })
            .hits[0]?.score ?? 0;
        const exact = score("1975-09-05");
        const year = score("1975-01-01");
        const unknown = score();
        const conflict = score("1990-01-01");
        expect(exact).to.be.greaterThan(year);
        expect(year).to.be.greaterThan(unknown);
        expect(unknown).to.be.greaterThan(conflict);
      });
      it("treats a year range as agreeing on the year", () => {
        expect(list.screen({ fullName: "Rustam Karamov", dateOfBirth: "1963-07-07" }).hits[0]?.dateOfBirth).to.equal(
          "YEAR",
        );
      });
      it("reports no hit for an ordinary customer", () => {
        expect(
          list.screen({ fullName: "Nguyễn Thị Mai Anh", dateOfBirth: "1995-08-15", nationality: "VNM" }).hits,
        ).to.deep.equal([]);
      });
      it("treats an empty date of birth or nationality as not given", () => {
        const [hit] = list.screen({ fullName: "Trần Văn Hùng", dateOfBirth: "", nationality: "" }).hits;
        expect(hit).to.include({ entryId: "UN:9100001", dateOfBirth: "UNKNOWN", nationality: "UNKNOWN" });
      });
      it("returns hits best first, capped by maxHits, with the list version and threshold", () => {
        const result = list.screen({ fullName: "Pham Quoc Bao" }, { threshold: 0.5, maxHits: 1 });
        expect(result.hits).to.have.length(1);
        expect(result.threshold).to.equal(0.5);
        expect(result.listVersion).to.match(/^UN_CONSOLIDATED@.+\+OFAC_SDN@/);
      });
    });

    describe("reload", () => {
      it("swaps to the new snapshot atomically", async () => {
        const list = make(fixtureSnapshot());
        expect(list.screen({ fullName: "Trần Văn Hùng" }).hits).to.have.length(1); // warms any per-list cache
        await list.reload(labelledSnapshot());
        expect(list.info()).to.include({ version: "labelled@1", entries: LABELLED_PAIRS.length });
        expect(list.screen({ fullName: "Trần Văn Hùng" }).hits).to.deep.equal([]);
        expect(list.screen({ fullName: "Lương Văn Sáng" }).hits.map((h) => h.entryId)).to.deep.equal(["LAB:2"]);
      });
      it("refuses an empty snapshot with SANCTIONS_LIST_EMPTY and keeps the previous list", async () => {
        const list = make(fixtureSnapshot());
        const before = list.info().version;
        await expectRejection(list.reload({ version: "empty", entries: [] }), "SANCTIONS_LIST_EMPTY");
        expect(list.info().version).to.equal(before);
        expect(list.screen({ fullName: "Trần Văn Hùng" }).hits).to.have.length(1);
      });
      it("refuses duplicate entry ids and keeps the previous list", async () => {
        const list = make(fixtureSnapshot());
        const snapshot = fixtureSnapshot();
        const dup = { ...snapshot, entries: [...snapshot.entries, snapshot.entries[0]!] };
        await expectRejection(list.reload(dup), "INVALID_ARGUMENT");
        expect(list.info().entries).to.equal(snapshot.entries.length);
      });
      it("keeps working after a failed reload, and the next good reload applies", async () => {
        const list = make(fixtureSnapshot());
        await expectRejection(list.reload({ version: "empty", entries: [] }), "SANCTIONS_LIST_EMPTY");
        await list.reload(labelledSnapshot());
        expect(list.info().version).to.equal("labelled@1");
      });
      it("cannot be created from an empty snapshot", () => {
        expect(() => make({ version: "empty", entries: [] }))
          .to.throw()
          .with.property("code", "SANCTIONS_LIST_EMPTY");
      });
    });

    describe("bad input", () => {
      const list = make(fixtureSnapshot());
      it("rejects a name that is not a string", () =>
        expectInvalid(() => list.screen({ fullName: 42 } as unknown as ScreeningQuery), "fullName"));
      it("rejects an over-long name", () =>
        expectInvalid(() => list.screen({ fullName: "a ".repeat(200) }), "fullName"));
      it("rejects control characters", () =>
        expectInvalid(() => list.screen({ fullName: "Tran\u0007Hung" }), "fullName"));
      it("rejects a name with no letters", () =>
        expectInvalid(() => list.screen({ fullName: "12345 !!" }), "fullName"));
      it("rejects too many name parts", () =>
        expectInvalid(() => list.screen({ fullName: "a b c d e f g h i j k l m" }), "fullName"));
      it("rejects a malformed date of birth", () =>
        expectInvalid(() => list.screen({ fullName: "Tran Hung", dateOfBirth: "12/03/1968" }), "dateOfBirth"));
      it("rejects a nationality that is not alpha-3", () =>
        expectInvalid(() => list.screen({ fullName: "Tran Hung", nationality: "Viet Nam" }), "nationality"));
      it("rejects a threshold outside (0, 1]", () =>
        expectInvalid(() => list.screen({ fullName: "Tran Hung" }, { threshold: 0 }), "threshold"));
      it("rejects maxHits outside [1, 100]", () =>
        expectInvalid(() => list.screen({ fullName: "Tran Hung" }, { maxHits: 1e6 }), "maxHits"));
      it("rejects a query that is not an object", () =>
        expectInvalid(() => list.screen(null as unknown as ScreeningQuery), "query"));
    });
  });
}
