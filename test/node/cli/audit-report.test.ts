/**
 * `kycnet audit report` against a node's real HTTP API (the app over an in-memory audit log, signed
 * by a throwaway key), spawned as a user would: prints the document and checks the signature
 * (exit 0), fails on another expected signer (exit 1), on a key without the auditor role (exit 2)
 * and on a node that does not answer (exit 3).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { createHarness, type Harness } from "../api/harness.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

function kycnet(args: readonly string[], apiKey: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(ROOT, "bin/kycnet"),
      ["audit", "report", ...args],
      { env: { ...process.env, KYCNET_API_KEY: apiKey }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr }),
    );
  });
}

describe("kycnet audit report", function () {
  this.timeout(120_000);
  let h: Harness;
  let url: string;
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const to = new Date(Date.now() + 3_600_000).toISOString();

  before(async () => {
    h = await createHarness();
    await h.services.reports.audit.append({ actor: "reviewer-1", action: "review.approved", target: "case_1" });
    url = await h.app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(async () => {
    await h.app.close();
  });

  it("prints the signed CSV and says who signed it, exit 0; --json gives the envelope and the check", async () => {
    const csv = await kycnet(["--node", url, "--from", from, "--to", to, "--format", "csv"], h.keys.auditor);
    expect(csv.code, csv.stderr).to.equal(0);
    expect(csv.stdout.split("\r\n")[0]).to.equal("section,key,value,at,seq,actor,action,target,detail");
    expect(csv.stdout).to.include("review.approved");
    expect(csv.stderr).to.include(`SIGNED by ${h.services.reports.signer}`);

    const json = await kycnet(
      ["--node", url, "--from", from, "--to", to, "--signer", h.services.reports.signer, "--json"],
      h.keys.auditor,
    );
    expect(json.code, json.stderr).to.equal(0);
    const body = JSON.parse(json.stdout) as { format: string; verification: { valid: boolean } };
    expect(body.format).to.equal("json");
    expect(body.verification.valid).to.equal(true);
  });

  it("exits 1 when the signature is not the expected bank's, 2 for a key without the auditor role or bad dates, 3 for no node", async () => {
    const other = await kycnet(
      ["--node", url, "--from", from, "--to", to, "--signer", `0x${"12".repeat(20)}`],
      h.keys.auditor,
    );
    expect(other.code).to.equal(1);
    expect(other.stderr).to.include("NOT VALID");
    const forbidden = await kycnet(["--node", url, "--from", from, "--to", to], h.keys.operator);
    expect(forbidden.code).to.equal(2);
    expect(forbidden.stderr).to.include("FORBIDDEN");
    const badDate = await kycnet(["--node", url, "--from", "last tuesday", "--to", to], h.keys.auditor);
    expect(badDate.code).to.equal(2);
    const down = await kycnet(["--node", "http://127.0.0.1:9", "--from", from, "--to", to], h.keys.auditor);
    expect(down.code, down.stderr).to.equal(3);
  });
});
