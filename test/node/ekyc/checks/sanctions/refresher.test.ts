import { expect } from "chai";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SanctionsRefresher, type RefreshOutcome } from "../../../../../node/src/ekyc/checks/sanctions/refresher.ts";
import { IndexedSanctionsList } from "../../../../../node/src/ekyc/checks/sanctions/indexed-list.ts";
import { fixtureSnapshot } from "./compliance.ts";

const fixture = (name: string) => new URL(`../../../../fixtures/sanctions/${name}`, import.meta.url);

describe("SanctionsRefresher", () => {
  let dir: string;
  let unPath: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "kycnet-refresh-"));
    unPath = join(dir, "consolidated.xml");
    await copyFile(fixture("un-consolidated.xml"), unPath);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("reloads when the files change, reports UNCHANGED otherwise, and keeps the last good list on a bad download", async () => {
    const list = new IndexedSanctionsList(fixtureSnapshot());
    const seen: RefreshOutcome["status"][] = [];
    const refresher = new SanctionsRefresher({
      list,
      files: [{ format: "UN_CONSOLIDATED_XML", path: unPath }],
      onRefresh: (o) => seen.push(o.status),
    });

    const first = await refresher.start();
    expect(first).to.include({ status: "RELOADED", entries: 4 });
    expect(list.info().version).to.match(/^UN_CONSOLIDATED@/);
    expect(await refresher.refreshNow()).to.include({ status: "UNCHANGED" });

    const good = list.info().version;
    await writeFile(unPath, readFileSync(fixture("un-consolidated.xml")).subarray(0, 700)); // truncated download
    const failed = await refresher.refreshNow();
    expect(failed.status).to.equal("FAILED");
    expect(failed.status === "FAILED" && (failed.error as { code?: string }).code).to.equal("SANCTIONS_LIST_MALFORMED");
    expect(failed.status === "FAILED" && failed.activeVersion).to.equal(good);
    expect(list.screen({ fullName: "Trần Văn Hùng" }).hits).to.have.length(1);

    await copyFile(fixture("un-empty.xml"), unPath);
    expect((await refresher.refreshNow()).status).to.equal("FAILED");
    expect(list.info().version).to.equal(good);

    await refresher.stop();
    expect(seen).to.deep.equal(["RELOADED", "UNCHANGED", "FAILED", "FAILED"]);
  });

  it("refreshes on its interval after start, picking up a changed file, and stops refreshing after stop", async () => {
    const list = new IndexedSanctionsList(fixtureSnapshot());
    const outcomes: RefreshOutcome[] = [];
    let onNext: (() => void) | undefined;
    const refresher = new SanctionsRefresher({
      list,
      files: [{ format: "UN_CONSOLIDATED_XML", path: unPath }],
      intervalMs: 1_000,
      onRefresh: (o) => {
        outcomes.push(o);
        onNext?.();
      },
    });
    const nextRefresh = () =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no refresh within 5 s")), 5_000);
        onNext = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    expect((await refresher.start()).status).to.equal("RELOADED");
    const before = list.info().version;
    // A new publication of the list: an entry's name changed, so new content and a new version.
    await writeFile(
      unPath,
      readFileSync(fixture("un-consolidated.xml"), "utf8").replace(
        "<FIRST_NAME>HUNG</FIRST_NAME>",
        "<FIRST_NAME>HÙNG</FIRST_NAME>",
      ),
    );
    await nextRefresh();
    expect(outcomes.at(-1)).to.include({ status: "RELOADED" });
    expect(list.info().version).to.not.equal(before);

    await refresher.stop();
    const count = outcomes.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(outcomes.length, "refreshes after stop()").to.equal(count);
  });

  it("shares one refresh between concurrent callers", async () => {
    const list = new IndexedSanctionsList(fixtureSnapshot());
    const refresher = new SanctionsRefresher({ list, files: [{ format: "UN_CONSOLIDATED_XML", path: unPath }] });
    const [a, b] = [refresher.refreshNow(), refresher.refreshNow()];
    expect(a).to.equal(b);
    await a;
  });

  it("reports a missing file as FAILED without throwing", async () => {
    const list = new IndexedSanctionsList(fixtureSnapshot());
    const refresher = new SanctionsRefresher({
      list,
      files: [{ format: "OFAC_SDN_XML", path: join(dir, "missing.xml") }],
    });
    expect((await refresher.refreshNow()).status).to.equal("FAILED");
  });

  it("rejects nonsense options", () => {
    const list = new IndexedSanctionsList(fixtureSnapshot());
    expect(() => new SanctionsRefresher({ list, files: [], intervalMs: 60_000 })).to.throw(RangeError);
    expect(
      () => new SanctionsRefresher({ list, files: [{ format: "OFAC_SDN_XML", path: "x" }], intervalMs: 10 }),
    ).to.throw(RangeError);
  });
});
