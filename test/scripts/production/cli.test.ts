/**
 * The production CLI as an operator runs it (child processes): output, files and exit codes; the
 * deploy command signs with a one-off key and talks JSON-RPC to Hardhat's network served on loopback.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { network } from "hardhat";
import { Contract, type Signer } from "ethers";
import { ConsortiumRegistryAbi } from "@kycnet/sdk/chain";
import { loadNodeConfig } from "../../../node/src/config.ts";
import { bank, bankPublication, banksInput, genesisInput } from "./fixtures.ts";
import { serveRpc } from "./rpc-bridge.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const CLI = join(ROOT, "scripts/production/cli.ts");
/** Hardhat's first development account (public, test only): the rehearsal's one-off deployer key. */
const DEV_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", CLI, ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr });
      },
    );
  });
}

describe("production: CLI", function () {
  this.timeout(90_000);
  let dir: string;
  const file = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
    return path;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kycnet-prod-cli-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("genesis: writes the bundle and lists the validators (exit 0); bad input names the field (exit 2)", async () => {
    const [ok, reserved, notJson, missing] = await Promise.all([
      run(["genesis", "--input", file("consortium.json", genesisInput()), "--out", join(dir, "besu")]),
      run(["genesis", "--input", file("mainnet.json", genesisInput({ chainId: 1 })), "--out", join(dir, "x")]),
      run(["genesis", "--input", file("broken.json", "{"), "--out", join(dir, "x")]),
      run(["genesis", "--input", join(dir, "absent.json"), "--out", join(dir, "x")]),
    ]);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/chainId 84710, 4 validator\(s\)/);
    expect(ok.stdout).to.match(/extraData 0xf8/);
    expect(JSON.parse(readFileSync(join(dir, "besu", "genesis.json"), "utf8")).config.qbft.blockperiodseconds).to.equal(
      2,
    );
    expect(reserved.code).to.equal(2);
    expect(reserved.stderr).to.match(/CHAIN_ID_RESERVED: chainId: 1 is Ethereum mainnet/);
    expect(notJson.code).to.equal(2);
    expect(notJson.stderr).to.match(/--input: .* is not valid JSON/);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/PRODUCTION_IO: cannot read/);
    expect(existsSync(join(dir, "x"))).to.equal(false);
  });

  it("deploy (one-off key over JSON-RPC), then node-configs from its addresses.json (exit 0)", async () => {
    const { ethers, provider } = await network.create();
    const bridge = await serveRpc(provider);
    try {
      const [, bankA] = (await ethers.getSigners()) as unknown as Signer[];
      const accountA = await bankA!.getAddress();
      const { chainId } = await ethers.provider.getNetwork();
      const members = file("members.json", {
        chainId: Number(chainId),
        threshold: 1,
        members: [bankPublication("Bank A", accountA)],
      });
      const deployed = await run(
        [
          "deploy",
          "--input",
          members,
          "--rpc",
          bridge.url,
          "--out",
          join(dir, "deployment"),
          "--key-env",
          "DEPLOYER_KEY",
        ],
        { DEPLOYER_KEY: DEV_KEY_0 },
      );
      expect(deployed.code, deployed.stderr).to.equal(0);
      expect(deployed.stdout).to.match(/ConsortiumRegistry {2}0x[0-9a-fA-F]{40}/);
      expect(deployed.stdout).to.not.include(DEV_KEY_0.slice(2));
      const addresses = JSON.parse(readFileSync(join(dir, "deployment", "addresses.json"), "utf8")) as {
        consortium: string;
      };
      const registry = new Contract(addresses.consortium, ConsortiumRegistryAbi, ethers.provider);
      expect(await registry.getFunction("isActiveMember")(accountA)).to.equal(true);

      const banks = file(
        "banks.json",
        banksInput({
          chain: { rpcUrl: bridge.url, chainId: Number(chainId) },
          banks: [bank(1, { account: accountA })],
        }),
      );
      const configs = await run([
        "node-configs",
        "--input",
        banks,
        "--addresses",
        join(dir, "deployment", "addresses.json"),
        "--out",
        join(dir, "nodes"),
      ]);
      expect(configs.code, configs.stderr).to.equal(0);
      expect(configs.stdout).to.match(/Bank 1 +token bank-1/);
      const config = await loadNodeConfig(join(dir, "nodes", "bank-1", "node.json"));
      expect(config.chain.addresses.consortium).to.equal(addresses.consortium);
    } finally {
      await bridge.close();
    }
  });

  it("deploy refuses bad usage with exit 2: two deployers, a key that is not one, an unknown option", async () => {
    const members = file("members2.json", {
      chainId: 84710,
      threshold: 1,
      members: [bankPublication("Bank A", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")],
    });
    const common = ["deploy", "--input", members, "--rpc", "http://127.0.0.1:1", "--out", join(dir, "never")];
    const [both, badKey, unknown] = await Promise.all([
      run([...common, "--hsm", "--key-env", "K"], { K: DEV_KEY_0 }),
      run([...common, "--key-env", "K"], { K: "not-a-key" }),
      run([...common, "--key-env", "K", "--gas-price", "1"], { K: DEV_KEY_0 }),
    ]);
    expect(both.code).to.equal(2);
    expect(both.stderr).to.match(/--hsm\/--key-env: give exactly one signer/);
    expect(badKey.code).to.equal(2);
    expect(badKey.stderr).to.match(/K must hold a 0x-prefixed 32-byte private key/);
    expect(badKey.stderr).to.not.include("not-a-key");
    expect(unknown.code).to.equal(2);
    expect(existsSync(join(dir, "never"))).to.equal(false);
  });
});
