/**
 * `kycnet dev`, as the README runs it: one process brings up a local chain, the contracts, a SoftHSM
 * token, a funded account, the registry simulator and one node; the test waits for its JSON summary,
 * calls the API, then stops it with SIGTERM and checks that everything it started is gone.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface DevSummary {
  api: string;
  rpcUrl: string;
  chainId: number;
  registry: string;
  config: string;
  apiKeys: { operator: string; reviewer: string; auditor: string };
}

const answers = (url: string, init?: RequestInit) =>
  fetch(url, { ...init, signal: AbortSignal.timeout(2_000) }).then(
    (r) => r.status,
    () => null,
  );

describe("kycnet dev: one development node", function () {
  this.timeout(240_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kycnet-dev-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("starts, serves the API ready with a funded account, and stops cleanly on SIGTERM", async () => {
    // From a folder outside the project, as a user would; the bootstrap already ran for the tests.
    const child = spawn(join(ROOT, "bin/kycnet"), ["dev", "--dir", join(dir, "dev"), "--json"], {
      cwd: dir,
      env: { ...process.env, KYCNET_SKIP_BOOTSTRAP: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const deadline = Date.now() + 180_000;
      while (!/^}\n/m.test(stdout)) {
        if (child.exitCode !== null) throw new Error(`kycnet dev exited ${child.exitCode}: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`kycnet dev not ready in time: ${stderr}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const summary = JSON.parse(stdout) as DevSummary;
      expect(summary.chainId).to.equal(31337);

      const ready = await fetch(`${summary.api}/ready`);
      expect(ready.status).to.equal(200);
      expect(await ready.json()).to.deep.equal({
        status: "ready",
        checks: { ledger: "up", vault: "up", hsm: "up", "vault-integrity": "up", funds: "up" },
      });
      const cases = await fetch(`${summary.api}/v1/review/cases`, {
        headers: { authorization: `Bearer ${summary.apiKeys.reviewer}` },
      });
      expect(cases.status).to.equal(200);
      expect(await cases.json()).to.deep.equal({ cases: [] });
      expect(await answers(`${summary.api}/v1/review/cases`)).to.equal(401);

      child.kill("SIGTERM");
      expect(await exited).to.equal(0);
      // The node, the chain and the registry simulator are gone with it.
      expect(await answers(`${summary.api}/health`)).to.equal(null);
      expect(await answers(summary.rpcUrl, { method: "POST" })).to.equal(null);
      expect(await answers(`${summary.registry}/`)).to.equal(null);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
