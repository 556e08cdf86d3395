import { expect } from "chai";
import { IndexedSanctionsList } from "../../../../../node/src/ekyc/checks/sanctions/indexed-list.ts";
import { LinearSanctionsList } from "../../../../../node/src/ekyc/checks/sanctions/linear-list.ts";
import { describeSanctionsListCompliance, fixtureSnapshot, LABELLED_PAIRS, labelledSnapshot } from "./compliance.ts";

describeSanctionsListCompliance("IndexedSanctionsList (real)", (s) => new IndexedSanctionsList(s));
describeSanctionsListCompliance("LinearSanctionsList (fake, baseline)", (s) => new LinearSanctionsList(s));

describe("IndexedSanctionsList agrees with the linear scan", () => {
  it("gives identical results on every labelled query and fixture query", () => {
    for (const snapshot of [labelledSnapshot(), fixtureSnapshot()]) {
      const indexed = new IndexedSanctionsList(snapshot);
      const linear = new LinearSanctionsList(snapshot);
      for (const { query } of LABELLED_PAIRS) {
        expect(indexed.screen(query, { maxHits: 100 }), query.fullName).to.deep.equal(
          linear.screen(query, { maxHits: 100 }),
        );
      }
    }
  });
});

describe("IndexedSanctionsList agrees with the linear scan on generated Vietnamese names", () => {
  it("gives identical results for 300 customers against 1,500 listed names, at two thresholds", async () => {
    const { randomVietnameseName, seededRandom } =
      await import("../../../../../node/src/ekyc/checks/national-id/simulator/citizens.ts");
    const rand = seededRandom(77);
    const sex = (): "M" | "F" => (rand() < 0.5 ? "M" : "F");
    const entries = Array.from({ length: 1_500 }, (_, i) => ({
      id: `GEN:${i}`,
      source: "UN_CONSOLIDATED" as const,
      reference: String(i),
      kind: "INDIVIDUAL" as const,
      names: [randomVietnameseName(rand, sex()), randomVietnameseName(rand, sex()).split(" ").reverse().join(" ")],
      datesOfBirth: [{ fromYear: 1970, toYear: 1975 }],
      nationalities: ["VNM"],
      programs: [],
    }));
    const snapshot = { version: "generated", entries };
    const indexed = new IndexedSanctionsList(snapshot);
    const linear = new LinearSanctionsList(snapshot);
    let withHits = 0;
    for (let i = 0; i < 300; i++) {
      const query = { fullName: randomVietnameseName(rand, sex()), dateOfBirth: "1972-01-01", nationality: "VNM" };
      for (const threshold of [0.9, 0.8]) {
        const a = indexed.screen(query, { threshold, maxHits: 100 });
        expect(a, query.fullName).to.deep.equal(linear.screen(query, { threshold, maxHits: 100 }));
        if (a.hits.length > 0) withHits++;
      }
    }
    expect(withHits).to.be.greaterThan(0); // the comparison covered real hits, not only empty results
  });
});

/** A distinct pronounceable-ish letters-only token per number (digits are separators to the folder). */
function word(n: number): string {
  let s = "";
  let x = n + 1;
  while (x > 0) {
    s += "bdfgklmnprstvz"[x % 14]! + "aeiou"[Math.floor(x / 14) % 5]!;
    x = Math.floor(x / 70);
  }
  return s;
}

describe("IndexedSanctionsList reload without downtime", () => {
  it("keeps screening against the old list while a large reload builds, then switches at once", async () => {
    const list = new IndexedSanctionsList(fixtureSnapshot());
    const big = {
      version: "big",
      entries: Array.from({ length: 12_000 }, (_, i) => ({
        id: `BIG:${i}`,
        source: "OFAC_SDN" as const,
        reference: String(i),
        kind: "INDIVIDUAL" as const,
        names: [`${word(i)} ${word(i * 7 + 3)} ${word(i * 13 + 5)}`],
        datesOfBirth: [],
        nationalities: [],
        programs: [],
      })),
    };
    const reload = list.reload(big);
    const seenDuringReload: string[] = [];
    let finished = false;
    void reload.then(() => (finished = true));
    while (!finished) {
      const result = list.screen({ fullName: "Trần Văn Hùng" });
      seenDuringReload.push(`${result.listVersion}:${result.hits.length}`);
      await new Promise<void>((r) => setImmediate(r));
    }
    await reload;
    // Screenings ran during the build (the event loop was not blocked) and all saw the old list.
    expect(seenDuringReload.length).to.be.greaterThan(2);
    expect(new Set(seenDuringReload)).to.have.length(1);
    expect(seenDuringReload[0]).to.match(/^UN_CONSOLIDATED@.*:1$/);
    expect(list.info()).to.include({ version: "big", entries: 12_000 });
    expect(list.screen({ fullName: `${word(5)} ${word(38)} ${word(70)}` }).hits[0]?.entryId).to.equal("BIG:5");
  });
});
