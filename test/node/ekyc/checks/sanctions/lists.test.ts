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
        expect(indexed.screen(query, { maxHits: 100 }), query.fullName).to.deep.equal(linear.screen(query, { maxHits: 100 }));
      }
    }
  });
});
