/**
 * The production deployer backed by an HSM (SoftHSM2 here, any PKCS#11 module in production):
 * `cli.ts deploy --hsm` signs every deployment transaction inside the token, over JSON-RPC to
 * Hardhat's network. Also the documented first step of a signing-key rotation: a second signing key
 * in the same token, leaving the KEK and transport key untouched.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { network } from "hardhat";
import { Contract, parseEther, type Signer } from "ethers";
import { ConsortiumRegistryAbi } from "@kycnet/sdk/chain";
import { DEFAULT_MODULE_PATH } from "../../../node/src/custody/pkcs11/config.ts";
import { provisionToken, writeSoftHsmConf } from "../../../node/src/custody/provision.ts";
import { bankPublication } from "./fixtures.ts";
import { serveRpc } from "./rpc-bridge.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const PIN = "prod-test-pin-1234";

describe("production: HSM-backed deployer", function () {
  this.timeout(90_000);
  let dir: string;
  let softhsm2Conf: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kycnet-prod-hsm-"));
    softhsm2Conf = writeSoftHsmConf(join(dir, "softhsm"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("deploy --hsm: the token's signing account deploys; the genesis member is active", async () => {
    const token = await provisionToken({
      modulePath: DEFAULT_MODULE_PATH,
      tokenLabel: "deployer",
      soPin: "prod-test-so-pin",
      userPin: PIN,
      softhsm2Conf,
    });
    const { ethers, provider } = await network.create();
    const [funder, bankA] = (await ethers.getSigners()) as unknown as Signer[];
    // A priced-gas chain: the deployer's HSM account is pre-funded (genesis alloc in production).
    await (await funder!.sendTransaction({ to: token.address, value: parseEther("10") })).wait();
    const accountA = await bankA!.getAddress();
    const { chainId } = await ethers.provider.getNetwork();
    const members = join(dir, "members.json");
    writeFileSync(
      members,
      JSON.stringify({ chainId: Number(chainId), threshold: 1, members: [bankPublication("Bank A", accountA)] }),
    );
    const bridge = await serveRpc(provider);
    try {
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [
            "--import",
            "tsx",
            join(ROOT, "scripts/production/cli.ts"),
            "deploy",
            "--input",
            members,
            "--rpc",
            bridge.url,
            "--out",
            join(dir, "deployment"),
            "--hsm",
          ],
          {
            cwd: ROOT,
            timeout: 60_000,
            env: {
              ...process.env,
              KYCNET_HSM_TOKEN_LABEL: "deployer",
              KYCNET_HSM_PIN: PIN,
              KYCNET_HSM_MODULE: DEFAULT_MODULE_PATH,
              SOFTHSM2_CONF: softhsm2Conf,
            },
          },
          (error, stdout, stderr) =>
            resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }),
        );
      });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.include(`deploying from ${token.address}`);
      expect(result.stdout + result.stderr).to.not.include(PIN);
      const record = JSON.parse(readFileSync(join(dir, "deployment", "deployment.json"), "utf8")) as {
        deployer: string;
        addresses: { consortium: string };
      };
      expect(record.deployer).to.equal(token.address);
      const registry = new Contract(record.addresses.consortium, ConsortiumRegistryAbi, ethers.provider);
      expect(await registry.getFunction("isActiveMember")(accountA)).to.equal(true);
      expect(await ethers.provider.getTransactionCount(token.address)).to.equal(3);
    } finally {
      await bridge.close();
    }
  });

  it("rotation step 1: a second signing key in the same token has a new address; KEK and transport key stay", async () => {
    const first = await provisionToken({
      modulePath: DEFAULT_MODULE_PATH,
      tokenLabel: "rotating",
      soPin: "prod-test-so-pin",
      userPin: PIN,
      softhsm2Conf,
    });
    const next = await provisionToken({
      modulePath: DEFAULT_MODULE_PATH,
      tokenLabel: "rotating",
      soPin: "prod-test-so-pin",
      userPin: PIN,
      softhsm2Conf,
      keyLabels: { signing: "kycnet/signing-next" },
    });
    expect(next.keys).to.deep.equal({ signing: "created", kek: "existing", transport: "existing" });
    expect(next.address).to.not.equal(first.address);
    expect(next.transportPublicKey).to.equal(first.transportPublicKey);
  });
});
