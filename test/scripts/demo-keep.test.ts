/**
 * The demo with `--keep`: the whole story runs, then the consortium stays up and the demo prints
 * commands to try. The test runs one printed `kycnet audit` command and one printed `curl` target
 * against the kept consortium, then Ctrl-C (SIGINT) stops everything with exit code 0.
 */
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { expect } from "chai";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("demo --keep", function () {
  this.timeout(600_000);

  it("keeps the consortium running after the story, prints commands that work, and stops on Ctrl-C", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "scripts/demo/story.ts"), "--keep"], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const deadline = Date.now() + 540_000;
      while (!stdout.includes("demo: consortium kept running")) {
        if (child.exitCode !== null) throw new Error(`demo exited ${child.exitCode}: ${stderr}\n${stdout}`);
        if (Date.now() > deadline) throw new Error(`demo did not finish in time: ${stdout}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      // A printed audit command, run as printed (its words split on spaces: no quoting in it).
      const line = stdout.split("\n").find((l) => l.includes(" audit --rpc ") && l.includes(" consent "));
      expect(line, stdout).to.be.a("string");
      const [program, ...args] = line!.trim().split(/\s+/) as [string, ...string[]];
      const audit = await new Promise<{ code: number; out: string }>((resolve) =>
        execFile(program, [...args, "--json"], (error, out) =>
          resolve({ code: error === null ? 0 : Number(error.code), out }),
        ),
      );
      expect(audit.code, audit.out).to.equal(0);
      expect(JSON.parse(audit.out)).to.include({ check: "consent", status: "REVOKED" });

      const readyUrl = /curl -s (http:\/\/127\.0\.0\.1:\d+)\/ready/.exec(stdout)![1]!;
      expect((await fetch(`${readyUrl}/ready`)).status).to.equal(200);

      child.kill("SIGINT");
      expect(await exited).to.equal(0);
      const gone = await fetch(`${readyUrl}/health`, { signal: AbortSignal.timeout(2_000) }).then(
        () => false,
        () => true,
      );
      expect(gone).to.equal(true);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
