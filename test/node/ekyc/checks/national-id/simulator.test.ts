/** The registry simulator as a service: random fault rates and the start script. */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { HttpNationalIdRegistry } from "../../../../../node/src/ekyc/checks/national-id/http-adapter.ts";
import { createRegistrySimulator } from "../../../../../node/src/ekyc/checks/national-id/simulator/server.ts";

describe("registry simulator", () => {
  it("hangs every request with timeoutRate 1, so checks time out", async () => {
    const sim = createRegistrySimulator({ seed: 1, citizens: 5, timeoutRate: 1, hangMs: 5_000 });
    await sim.start();
    try {
      const c = sim.citizens[0]!;
      const registry = new HttpNationalIdRegistry({
        baseUrl: sim.url,
        attemptTimeoutMs: 80,
        deadlineMs: 250,
        backoffMs: 1,
      });
      const result = await registry.checkIdentity({
        idNumber: c.idNumber,
        fullName: c.fullName,
        dateOfBirth: c.dateOfBirth,
      });
      expect(result.status === "UNAVAILABLE" && result.code).to.equal("REGISTRY_TIMEOUT");
    } finally {
      await sim.stop();
    }
  });

  it("starts from its script, prints its URL and answers checks", async function () {
    this.timeout(30_000);
    const script = fileURLToPath(
      new URL("../../../../../node/src/ekyc/checks/national-id/simulator/start.ts", import.meta.url),
    );
    const child = spawn(
      process.execPath,
      ["--import", "tsx", script, "--port", "0", "--citizens", "3", "--seed", "11"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const lines = createInterface({ input: child.stdout! });
      const output: string[] = [];
      for await (const line of lines) {
        output.push(line);
        if (output.length === 2) break;
      }
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output[0] ?? "")?.[1];
      expect(url, output.join("\n")).to.be.a("string");
      const citizen = JSON.parse(output[1]!) as { idNumber: string; fullName: string; dateOfBirth: string };
      const registry = new HttpNationalIdRegistry({ baseUrl: url! });
      expect(
        await registry.checkIdentity({
          idNumber: citizen.idNumber,
          fullName: citizen.fullName,
          dateOfBirth: citizen.dateOfBirth,
        }),
      ).to.deep.equal({ status: "MATCH" });
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  });

  it("the start script refuses a bad option with exit code 2", async function () {
    this.timeout(30_000);
    const script = fileURLToPath(
      new URL("../../../../../node/src/ekyc/checks/national-id/simulator/start.ts", import.meta.url),
    );
    const child = spawn(process.execPath, ["--import", "tsx", script, "--failure-rate", "2"], { stdio: "ignore" });
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).to.equal(2);
  });
});
