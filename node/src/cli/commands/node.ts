/**
 * `kycnet node start --config <file>`: runs a bank's node until SIGINT/SIGTERM, then stops it
 * cleanly (API drains, outbox finishes its pass, HSM sessions close).
 * `kycnet vault verify-audit --config <file>`: checks the audit log's hash chain offline.
 */
import type { Command } from "commander";
import { loadNodeConfig } from "../../config.ts";
import { createNode } from "../../node.ts";
import { createAuditLog } from "../../vault/audit-log.ts";
import { openLevelRecordStore } from "../../vault/store/level/level-record-store.ts";
import { join } from "node:path";
import { answer } from "../exit-codes.ts";
import { colour, printJson, renderFacts } from "../output.ts";

export function register(program: Command): void {
  const node = program.command("node").description("run a bank's kycnet node");
  node
    .command("start")
    .description("start the node (API, outbox, eKYC pipeline) from a configuration file")
    .requiredOption("--config <file>", "node configuration (JSON)")
    .action(async (options: { config: string }) => {
      const config = await loadNodeConfig(options.config);
      const running = await createNode(config);
      await running.start();
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await running.stop();
    });

  const vault = program.command("vault").description("inspect a node's vault (offline: stop the node first)");
  vault
    .command("verify-audit")
    .description("verify the hash chain of the audit log; exit 1 when it is broken")
    .requiredOption("--config <file>", "node configuration (JSON)")
    .option("--json", "machine-readable output")
    .action(async (options: { config: string; json?: boolean }) => {
      const config = await loadNodeConfig(options.config);
      const store = await openLevelRecordStore(join(config.dataDir, "vault"));
      try {
        const result = await createAuditLog(store).verify();
        if (options.json === true) printJson(result);
        else {
          process.stdout.write(
            `${renderFacts({
              "audit chain": result.ok ? colour.green("intact") : colour.red("BROKEN"),
              entries: result.entries,
              "head hash": result.headHash,
              ...(result.ok ? {} : { "broken at": result.brokenAt, reason: result.reason }),
            })}\n`,
          );
        }
        answer(result.ok);
      } finally {
        await store.close();
      }
    });
}
