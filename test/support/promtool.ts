/**
 * `promtool check metrics` (Debian package `prometheus`) on a /metrics page: Prometheus's own linter
 * for the exposition format and naming conventions (units, `_total` on counters, help text...).
 */
import { spawn } from "node:child_process";

/** Every complaint promtool has about `exposition` (empty when it accepts it as it is). */
export async function promtoolComplaints(exposition: string): Promise<string[]> {
  const child = spawn("promtool", ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  child.stdin.end(exposition);
  const code = await exit;
  const complaints = output.split("\n").filter((line) => line.trim() !== "");
  if (code !== 0 && complaints.length === 0) complaints.push(`promtool exited with ${code}`);
  return complaints;
}
