/**
 * `kycnet dsr list` against a node's real HTTP API (the app over fake services), spawned as a user
 * would: the requests with their deadlines, exit 1 when an open one is overdue, 2 for a refused key.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import type { DataSubjectRequestView } from "@kycnet/sdk/bank";
import { createHarness, type Harness } from "../api/harness.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

function kycnet(args: readonly string[], apiKey: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(ROOT, "bin/kycnet"),
      ["dsr", "list", ...args],
      { env: { ...process.env, KYCNET_API_KEY: apiKey, NO_COLOR: "1" }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr }),
    );
  });
}

const request = (id: string, status: DataSubjectRequestView["status"], deadline: Date): DataSubjectRequestView => ({
  requestId: id,
  kind: status === "OPEN" ? "CORRECTION" : "ACCESS",
  attestationUid: `0x${"ab".repeat(32)}`,
  status,
  receivedAt: new Date(deadline.getTime() - 72 * 3_600_000).toISOString(),
  deadline: deadline.toISOString(),
});

describe("kycnet dsr list", function () {
  this.timeout(120_000);
  let h: Harness;
  let url: string;
  let held: DataSubjectRequestView[] = [];

  before(async () => {
    h = await createHarness();
    (h.services.dataSubjects as { list: (filter: object) => Promise<DataSubjectRequestView[]> }).list = async () =>
      held;
    url = await h.app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(async () => {
    await h.app.close();
  });

  it("lists requests with their deadlines; exit 0 while none is overdue, 1 once an open one is", async () => {
    held = [
      request("dsr_1", "COMPLETED", new Date(Date.now() - 3_600_000)),
      request("dsr_2", "OPEN", new Date(Date.now() + 3_600_000)),
    ];
    const fine = await kycnet(["--node", url], h.keys.operator);
    expect(fine.code, fine.stderr).to.equal(0);
    expect(fine.stdout).to.include("dsr_2").and.include("CORRECTION").and.not.include("OVERDUE");

    held = [request("dsr_3", "OPEN", new Date(Date.now() - 60_000))];
    const late = await kycnet(["--node", url, "--json"], h.keys.operator);
    expect(late.code).to.equal(1);
    expect((JSON.parse(late.stdout) as { overdue: string[] }).overdue).to.deep.equal(["dsr_3"]);
  });

  it("exits 2 for a key the route refuses or a bad status", async () => {
    expect((await kycnet(["--node", url], h.keys.reviewer)).code).to.equal(2);
    expect((await kycnet(["--node", url, "--status", "LOST"], h.keys.operator)).code).to.equal(2);
  });
});
