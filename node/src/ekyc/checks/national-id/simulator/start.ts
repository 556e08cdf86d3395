/**
 * Starts the registry simulator until interrupted:
 *   node --import tsx node/src/ekyc/checks/national-id/simulator/start.ts [--port 7006] [--seed 6]
 *     [--citizens 1000] [--latency-ms 0] [--failure-rate 0] [--timeout-rate 0]
 * Prints the base URL and a few sample citizens (synthetic) to try queries with.
 */
import { parseArgs } from "node:util";
import { createRegistrySimulator } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "7006" },
    host: { type: "string", default: "127.0.0.1" },
    seed: { type: "string", default: "6" },
    citizens: { type: "string", default: "1000" },
    "latency-ms": { type: "string", default: "0" },
    "failure-rate": { type: "string", default: "0" },
    "timeout-rate": { type: "string", default: "0" },
  },
});

function num(name: string, raw: string | undefined, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    console.error(`--${name} must be a number in [${min}, ${max}]`);
    process.exit(2);
  }
  return n;
}

const simulator = createRegistrySimulator({
  host: values.host,
  port: num("port", values.port, 0, 65535),
  seed: num("seed", values.seed, 0, 2 ** 32 - 1),
  citizens: num("citizens", values.citizens, 0, 1_000_000),
  latencyMs: num("latency-ms", values["latency-ms"], 0, 60_000),
  failureRate: num("failure-rate", values["failure-rate"], 0, 1),
  timeoutRate: num("timeout-rate", values["timeout-rate"], 0, 1),
});
const url = await simulator.start();
console.log(`registry simulator listening on ${url} (${simulator.citizens.length} synthetic citizens)`);
for (const c of simulator.citizens.slice(0, 3)) console.log(JSON.stringify(c));
const stop = (): void => {
  void simulator.stop().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
