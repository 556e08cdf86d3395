/**
 * `kycnet dev [--dir <folder>] [--json]`: one development node on this machine (a local chain,
 * contracts, a SoftHSM token, a funded account, the registry simulator, the node), until Ctrl-C.
 * The work is scripts/dev.sh (it may install what is missing first); this command runs it from
 * wherever `kycnet` is called, passing signals on, and exits with its code.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";

const DEV_SCRIPT = fileURLToPath(new URL("../../../../scripts/dev.sh", import.meta.url));

export function register(program: Command): void {
  program
    .command("dev")
    .description("run one development node: chain, contracts, HSM token, funded account, registry simulator, node")
    .option("--dir <folder>", "where its files go (wiped at each start; default .kycnet/dev in the project)")
    .option("--json", "print one JSON document (URLs, keys, files) once the node is ready")
    .action(async (options: { dir?: string; json?: boolean }) => {
      const args = [
        ...(options.dir === undefined ? [] : ["--dir", options.dir]),
        ...(options.json === true ? ["--json"] : []),
      ];
      const child = spawn("bash", [DEV_SCRIPT, ...args], { stdio: "inherit" });
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
      const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
      process.exitCode = code ?? 3;
    });
}
