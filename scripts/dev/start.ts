/**
 * One development node (README: `./bin/kycnet dev`): a local chain (Hardhat's EDR node, or Anvil
 * with KYCNET_CHAIN_ENGINE=anvil), the contracts, a SoftHSM2 token with the bank's keys, the bank's
 * account funded, the national-ID registry simulator (seeded synthetic citizens) and one node
 * (`kycnet node start` in this process), then what to try next. Ctrl-C (or SIGTERM) stops all of it.
 * Each run starts clean in `--dir` (default .kycnet/dev): the chain is new, so old records would
 * point at contracts that no longer exist.
 *
 * `--json` prints one JSON document once the node is ready (URLs, keys, files) instead of the text.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadNodeConfig } from "../../node/src/config.ts";
import { colour, printJson, renderFacts } from "../../node/src/cli/output.ts";
import { createRegistrySimulator } from "../../node/src/ekyc/checks/national-id/simulator/server.ts";
import { createNode, type KycnetNode } from "../../node/src/node.ts";
import { DEMO_HSM_PIN, prepareConsortium } from "../consortium/setup.ts";
import { startLocalChain } from "../lib/local-chain.ts";
import { pino } from "pino";
import { createLogger } from "../../node/src/observability/logger.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const { values } = parseArgs({
  options: { dir: { type: "string", default: join(ROOT, ".kycnet/dev") }, json: { type: "boolean", default: false } },
});
const dir = resolve(values.dir);
const json = values.json;
// Progress goes to stderr, so that stdout holds only the summary (or the JSON document).
const progress = (s: string) => process.stderr.write(`${colour.dim(s)}\n`);

const stops: Array<() => Promise<void>> = [];
let stopping: Promise<void> | null = null;
const stopAll = () =>
  (stopping ??= (async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  })());
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    progress("stopping…");
    void stopAll().then(() => process.exit(0));
  });

try {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  progress("starting a local chain");
  const chain = await startLocalChain();
  stops.push(() => chain.stop());
  const registry = createRegistrySimulator({ seed: 6, citizens: 1_000 });
  const registryUrl = await registry.start();
  stops.push(() => registry.stop());
  progress("provisioning the bank: SoftHSM2 token, keys, contracts, a funded account");
  const setup = await prepareConsortium({
    dir,
    rpcUrl: chain.url,
    chainId: chain.chainId,
    registryUrl,
    bankNames: ["Dev Bank"],
    threshold: 1,
    progress,
  });
  const bank = setup.banks[0]!;
  const addressesFile = join(dir, "addresses.json");
  writeFileSync(addressesFile, `${JSON.stringify(setup.addresses, null, 2)}\n`);
  const keysFile = join(dir, "api-keys.json");
  writeFileSync(keysFile, `${JSON.stringify(bank.apiKeys, null, 2)}\n`, { mode: 0o600 });

  progress("starting the node (HSM, vault, eKYC pipeline, libp2p, API)");
  process.env.KYCNET_HSM_PIN = DEMO_HSM_PIN;
  const config = await loadNodeConfig(bank.configPath);
  // The node's logs go to stderr with the progress: stdout holds only the summary (or the JSON document).
  const logger = createLogger({ level: config.log.level, name: config.name }, pino.destination(2));
  const node: KycnetNode = await createNode(config, { logger });
  stops.push(() => node.stop());
  await node.start();

  const summary = {
    api: node.api!.url,
    rpcUrl: chain.url,
    chainId: Number(chain.chainId),
    registry: registryUrl,
    account: bank.account,
    config: bank.configPath,
    addresses: addressesFile,
    apiKeys: bank.apiKeys,
    softhsm2Conf: setup.softhsm2Conf,
  };
  if (json) printJson(summary);
  else {
    const kycnet = join(ROOT, "bin/kycnet");
    process.stdout.write(
      [
        colour.bold("kycnet development node ready"),
        renderFacts({
          API: summary.api,
          chain: `${summary.rpcUrl} (chain id ${summary.chainId})`,
          "registry simulator": summary.registry,
          "bank account": summary.account,
          config: summary.config,
          "API keys": keysFile,
        }),
        colour.bold("Try next"),
        `  curl -s ${summary.api}/ready`,
        `  curl -s -H 'authorization: Bearer ${bank.apiKeys.reviewer}' ${summary.api}/v1/review/cases`,
        `  open ${summary.api}/docs                              # the API, with its schemas`,
        `  ${kycnet} vault verify-audit --config ${summary.config}   # after stopping the node`,
        `  ${kycnet} audit attestation <uid> --rpc ${summary.rpcUrl} --addresses ${addressesFile}`,
        `  bash scripts/demo.sh --keep                            # the three-bank story, left running`,
        colour.dim("Ctrl-C stops the node, the registry simulator and the chain."),
        "",
      ].join("\n"),
    );
  }
  await new Promise<never>(() => undefined);
} catch (error) {
  process.stderr.write(`kycnet dev: ${error instanceof Error ? error.message : String(error)}\n`);
  await stopAll();
  process.exit(3);
}
