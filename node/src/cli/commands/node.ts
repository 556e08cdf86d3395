/**
 * `kycnet node start --config <file>`: runs a bank's node until SIGINT/SIGTERM, then stops it
 * cleanly (API drains, outbox finishes its pass, HSM sessions close).
 * `kycnet vault verify-audit --config <file> [--account <address>]`: checks the audit log offline,
 * its hash chain and every audit head the bank anchored on chain (docs/audit-trail.md).
 * `kycnet vault check --config <file> [--full]`: the node's start-up vault check, offline.
 */
import type { Command } from "commander";
import { loadNodeConfig } from "../../config.ts";
import { createNode } from "../../node.ts";
import { createLogger } from "../../observability/logger.ts";
import { readAuditAnchors } from "@kycnet/sdk/chain";
import { KycnetError } from "@kycnet/sdk/errors";
import { assertAddress, type Hex } from "@kycnet/sdk/protocol";
import type { NodeConfig } from "../../config.ts";
import { openKeys } from "../../composition/custody.ts";
import { rpcAuthOf } from "../../composition/ledger.ts";
import { createRpcProvider, probeChainId } from "../../ledger/provider.ts";
import { verifyAuditTrail } from "../../vault/audit-anchor-check.ts";
import { createAuditLog } from "../../vault/audit-log.ts";
import { checkVault } from "../../vault/vault-check.ts";
import { openConfiguredStore } from "../../composition/store.ts";
import { answer } from "../exit-codes.ts";
import { colour, printJson, renderFacts, renderTable } from "../output.ts";

export function register(program: Command): void {
  const node = program.command("node").description("run a bank's kycnet node");
  node
    .command("start")
    .description("start the node (API, outbox, eKYC pipeline) from a configuration file")
    .requiredOption("--config <file>", "node configuration (JSON)")
    .option("--json", "print one JSON document (API URL, account, libp2p addresses) once started")
    .addHelpText(
      "after",
      "\nEnvironment:\n  KYCNET_HSM_PIN   the token's user PIN (or the variable custody.pinEnv names)\n" +
        "\nRefuses to start (exit 3), naming what is wrong: chain unreachable or another chain id, a port in use,\n" +
        "the vault locked by another process, a list or key file that cannot be read. Stops on SIGINT/SIGTERM.",
    )
    .action(async (options: { config: string; json?: boolean }) => {
      const config = await loadNodeConfig(options.config);
      // With --json, stdout holds only the one document: the node's log lines go to stderr.
      const logger =
        options.json === true
          ? createLogger({ level: config.log.level, name: config.name }, process.stderr)
          : undefined;
      const running = await createNode(config, logger === undefined ? {} : { logger });
      await running.start();
      if (options.json === true)
        printJson({
          name: config.name,
          api: running.api?.url ?? null,
          account: await running.ledger.account(),
          exchange: running.exchange.multiaddrs().map(String),
        });
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
    .description(
      "verify the audit log: its hash chain, and every audit head the bank anchored on chain (catches an edit with " +
        "every later hash recomputed, and a cut log); exit 1 when it fails",
    )
    .requiredOption("--config <file>", "node configuration (JSON): the vault, the chain and the HSM")
    .option("--account <address>", "the bank's member account (default: the HSM signing key's address)")
    .option("--json", "machine-readable output")
    .action(async (options: { config: string; account?: string; json?: boolean }) => {
      const config = await loadNodeConfig(options.config);
      if (options.account !== undefined) assertAddress(options.account, "account");
      const store = await openConfiguredStore(config);
      try {
        const account = options.account === undefined ? await accountFromKeys(config) : options.account;
        // Probed first: an unreachable chain is a typed error (exit 3), not ethers retrying forever.
        const auth = rpcAuthOf(config.chain);
        const chainId = await probeChainId(config.chain.rpcUrl, auth);
        if (config.chain.chainId !== undefined && chainId !== BigInt(config.chain.chainId))
          throw new KycnetError(
            "WRONG_CHAIN",
            `the chain serves id ${chainId}, the configuration names ${config.chain.chainId}`,
            {
              details: { expected: config.chain.chainId, actual: chainId.toString() },
            },
          );
        const provider = createRpcProvider(config.chain.rpcUrl, { chainId, ...auth });
        let anchors;
        try {
          anchors = await readAuditAnchors(provider, config.chain.addresses.attestations as Hex, account);
        } finally {
          provider.destroy();
        }
        const result = await verifyAuditTrail(createAuditLog(store), anchors);
        if (options.json === true) printJson({ account, ...result, anchorList: anchors });
        else {
          process.stdout.write(
            `${renderFacts({
              "audit log": result.ok ? colour.green("intact, matches the chain") : colour.red("FAILED"),
              account,
              entries: result.entries,
              "head hash": result.headHash,
              "anchors on chain": result.anchors,
              "anchored up to entry": result.anchoredCount,
              "entries not yet anchored": result.unanchoredEntries,
            })}\n`,
          );
          if (anchors.length > 0) process.stdout.write(`${renderTable(anchors.slice(-20).map((a) => ({ ...a })))}\n`);
          for (const problem of result.problems) process.stdout.write(`${colour.red("✗")} ${problem}\n`);
        }
        answer(result.ok);
      } finally {
        await store.close();
      }
    });

  vault
    .command("check")
    .description(
      "the start-up vault check (files, audit chain, index, outbox) from the last checkpoint; exit 1 when damaged",
    )
    .requiredOption("--config <file>", "node configuration (JSON)")
    .option("--full", "ignore the checkpoint: check every table file, audit entry and record")
    .option("--json", "machine-readable output")
    .action(async (options: { config: string; full?: boolean; json?: boolean }) => {
      const config = await loadNodeConfig(options.config);
      const store = await openConfiguredStore(config);
      try {
        const result = await checkVault(store, createAuditLog(store), { full: options.full === true });
        if (options.json === true) printJson(result);
        else {
          process.stdout.write(
            `${renderFacts({
              vault: result.ok ? colour.green("intact") : colour.red("DAMAGED"),
              "audit entries checked": result.auditEntries,
              "records checked": result.records,
              "from checkpoint": result.incremental ? "yes" : "no",
              seconds: result.seconds,
            })}\n`,
          );
          for (const problem of result.problems) process.stdout.write(`${colour.red("✗")} ${problem}\n`);
        }
        answer(result.ok);
      } finally {
        await store.close();
      }
    });
}

/** The bank's member account, from the HSM (the PIN from the environment, as for `node start`). */
async function accountFromKeys(config: NodeConfig): Promise<Hex> {
  const keys = await openKeys(config);
  try {
    return (await keys.getAddress()) as Hex;
  } finally {
    await keys.close();
  }
}
