/**
 * A deployment rehearsal on Hardhat's network, the way a production operator runs it: the genesis
 * member's token and peer id (what `kycnet token init` / `peer init` print) go into the members
 * file, the contracts are deployed by a separate deployer, the addresses are written out, the
 * other bank is admitted by proposal, and every bank's node.json is generated from the written
 * addresses and read back by the node's own loader and ledger client.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import { Contract, type Signer } from "ethers";
import { ConsortiumRegistryAbi } from "@kycnet/sdk/chain";
import type { Hex } from "@kycnet/sdk/protocol";
import type { ContractAddresses } from "../../../node/src/ledger/ledger-client.ts";
import { loadNodeConfig } from "../../../node/src/config.ts";
import { createEthersLedger } from "../../../node/src/ledger/ethers/ethers-ledger.ts";
import { deployConsortium, parseDeploymentInput, writeDeployment } from "../../../scripts/production/deploy.ts";
import { buildNodeConfigs, parseAddresses, writeNodeConfigs } from "../../../scripts/production/node-config.ts";
import { expectCode } from "../../support/expect-code.ts";
import { bank, bankPublication, banksInput } from "./fixtures.ts";

describe("production: deployment rehearsal on Hardhat", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kycnet-rehearsal-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("deploys with the genesis member, admits the next bank by vote, and the generated node.json files reach the contracts", async () => {
    const { ethers } = await network.create();
    const [deployer, bankA, bankB] = (await ethers.getSigners()) as unknown as Signer[];
    const accountA = await bankA!.getAddress();
    const accountB = await bankB!.getAddress();
    const { chainId } = await ethers.provider.getNetwork();

    // 1. The members file, as the operator assembles it from the genesis bank's published values.
    const input = parseDeploymentInput({
      chainId: Number(chainId),
      threshold: 1,
      members: [bankPublication("Bank A", accountA)],
    });
    const record = await deployConsortium(deployer!, input);
    const { addressesFile, deploymentFile } = writeDeployment(record, join(dir, "deployment"));
    expect(record.deployer).to.equal(await deployer!.getAddress());
    expect(record.blockNumber).to.be.greaterThan(0);
    expect(JSON.parse(readFileSync(deploymentFile, "utf8")).members).to.deep.equal([
      { name: "Bank A", account: accountA },
    ]);

    // 2. After deployment: Bank B is admitted by a proposal the members approve (threshold 1 here).
    const registryAsA = new Contract(record.addresses.consortium, ConsortiumRegistryAbi, bankA);
    const b = bankPublication("Bank B", accountB);
    expect(await registryAsA.getFunction("isActiveMember")(accountB)).to.equal(false);
    await (
      await registryAsA.getFunction("proposeAdmitMember")({
        account: accountB,
        name: b.name,
        peerId: b.peerIdBytes,
        transportKey: b.transportPublicKey,
      })
    ).wait();
    expect(await registryAsA.getFunction("isActiveMember")(accountB)).to.equal(true);

    // 3. Node configs from the written addresses file; each loads with the node's own loader and
    //    its addresses reach the deployed registry.
    const addresses = parseAddresses(JSON.parse(readFileSync(addressesFile, "utf8")));
    expect(addresses).to.deep.equal(record.addresses);
    const configs = buildNodeConfigs(
      banksInput({
        chain: { rpcUrl: "http://10.0.0.10:8545", chainId: Number(chainId) },
        banks: [bank(1, { account: accountA, name: "Bank A" }), bank(2, { account: accountB, name: "Bank B" })],
      }),
      addresses,
    );
    const paths = writeNodeConfigs(configs, join(dir, "nodes"));
    for (const path of paths) {
      const config = await loadNodeConfig(path);
      expect(config.chain.chainId).to.equal(Number(chainId));
      const ledger = await createEthersLedger({
        runner: ethers.provider,
        addresses: config.chain.addresses as ContractAddresses,
      });
      for (const account of [accountA, accountB]) expect(await ledger.isActiveMember(account as Hex)).to.equal(true);
    }
  });

  it("refuses to deploy when the RPC endpoint serves another chain than the input plans", async () => {
    const { ethers } = await network.create();
    const [deployer, bankA] = (await ethers.getSigners()) as unknown as Signer[];
    const input = parseDeploymentInput({
      chainId: 84710,
      threshold: 1,
      members: [bankPublication("Bank A", await bankA!.getAddress())],
    });
    const nonce = await ethers.provider.getTransactionCount(await deployer!.getAddress());
    await expectCode(deployConsortium(deployer!, input), "PRODUCTION_INPUT_INVALID");
    expect(await ethers.provider.getTransactionCount(await deployer!.getAddress())).to.equal(nonce);
  });

  describe("members file errors name the field", () => {
    const member = bankPublication("Bank A", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    const cases: Array<[string, Record<string, unknown>, string, string]> = [
      [
        "threshold above the member count",
        { chainId: 84710, threshold: 2, members: [member] },
        "VALUE_OUT_OF_RANGE",
        "threshold",
      ],
      ["threshold zero", { chainId: 84710, threshold: 0, members: [member] }, "VALUE_OUT_OF_RANGE", "threshold"],
      ["public chain id", { chainId: 11155111, threshold: 1, members: [member] }, "CHAIN_ID_RESERVED", "chainId"],
      ["no members", { chainId: 84710, threshold: 1, members: [] }, "VALUE_OUT_OF_RANGE", "members"],
      [
        "member twice",
        { chainId: 84710, threshold: 1, members: [member, member] },
        "BANK_DUPLICATE",
        "members[1].account",
      ],
      [
        "transport key of the wrong size",
        { chainId: 84710, threshold: 1, members: [{ ...member, transportPublicKey: "0x" + "02".repeat(40) }] },
        "PRODUCTION_INPUT_INVALID",
        "members[0].transportPublicKey",
      ],
      [
        "peer id not hex",
        { chainId: 84710, threshold: 1, members: [{ ...member, peerIdBytes: "12D3KooW" }] },
        "PRODUCTION_INPUT_INVALID",
        "members[0].peerIdBytes",
      ],
      [
        "name with a control character",
        { chainId: 84710, threshold: 1, members: [{ ...member, name: "Bank\nA" }] },
        "PRODUCTION_INPUT_INVALID",
        "members[0].name",
      ],
      [
        "bad auditor",
        { chainId: 84710, threshold: 1, members: [member], auditors: ["nobody"] },
        "PRODUCTION_INPUT_INVALID",
        "auditors[0]",
      ],
    ];
    for (const [name, input, code, field] of cases) {
      it(`${name}: ${code} at ${field}`, async () => {
        const error = await expectCode(
          Promise.resolve().then(() => parseDeploymentInput(input)),
          code,
        );
        expect((error as unknown as { field: string }).field).to.equal(field);
      });
    }
  });
});
