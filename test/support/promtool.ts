/**
 * Prometheus's own tools (Debian package `prometheus`): `promtool check metrics` on a /metrics page
 * (the exposition format and naming conventions: units, `_total` on counters, help text...), and
 * `promtool check rules` / `test rules` on the alerting rules the project ships.
 */
import { spawn } from "node:child_process";

/** Runs `promtool <args>` with `stdin`; resolves with its exit code and output (stdout and stderr together). */
export async function promtool(args: readonly string[], stdin = ""): Promise<{ code: number | null; output: string }> {
  const child = spawn("promtool", [...args], { stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  child.stdin.end(stdin);
  return { code: await code, output };
}

/** Every complaint promtool has about `exposition` (empty when it accepts it as it is). */
export async function promtoolComplaints(exposition: string): Promise<string[]> {
  const { code, output } = await promtool(["check", "metrics"], exposition);
  const complaints = output.split("\n").filter((line) => line.trim() !== "");
  if (code !== 0 && complaints.length === 0) complaints.push(`promtool exited with ${code}`);
  return complaints;
}
