/**
 * Consortium changes after deployment, as docs/deployment.md describes them: admission by vote,
 * account rotation, endpoint update, removal and threshold change, each a proposal the members
 * approve with their own keys; the registry executes it at the threshold. Plus the CLI wiring.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { network } from "hardhat";
import { Contract, type Signer } from "ethers";
import { ConsortiumRegistryAbi } from "@kycnet/sdk/chain";
import { deployConsortium, parseDeploymentInput } from "../../../scripts/production/deploy.ts";
import { approve, parseMemberPublication, propose } from "../../../scripts/production/governance.ts";
import { expectCode } from "../../support/expect-code.ts";
import { bankPublication } from "./fixtures.ts";
import { serveRpc } from "./rpc-bridge.ts";

async function consortium(threshold: number) {
  const { ethers, provider } = await network.create();
  const [deployer, a, b, c, d] = (await ethers.getSigners()) as unknown as Signer[];
  const [accountA, accountB, accountC, accountD] = await Promise.all([a!, b!, c!, d!].map((s) => s.getAddress()));
  const { chainId } = await ethers.provider.getNetwork();
  const record = await deployConsortium(
    deployer!,
    parseDeploymentInput({
      chainId: Number(chainId),
      threshold,
      members: [bankPublication("Bank A", accountA!), bankPublication("Bank B", accountB!)],
    }),
  );
  const reader = new Contract(record.addresses.consortium, ConsortiumRegistryAbi, ethers.provider);
  const active = (account: string) => reader.getFunction("isActiveMember")(account) as Promise<boolean>;
  return {
    ethers,
    provider,
    record,
    signers: { a: a!, b: b!, c: c!, d: d! },
    accounts: { a: accountA!, b: accountB!, c: accountC!, d: accountD! },
    reader,
    active,
  };
}

describe("production: governance after deployment", function () {
  this.timeout(60_000);

  it("admits a bank only once the threshold of members approved (2 of 2)", async () => {
    const f = await consortium(2);
    const proposed = await propose(f.record.addresses.consortium, f.signers.a, {
      kind: "admit",
      member: bankPublication("Bank C", f.accounts.c),
    });
    expect(proposed.executed).to.equal(false);
    expect(await f.active(f.accounts.c)).to.equal(false);
    const approved = await approve(f.record.addresses.consortium, f.signers.b, proposed.proposalId);
    expect(approved).to.include({ proposalId: proposed.proposalId, executed: true });
    expect(await f.active(f.accounts.c)).to.equal(true);
  });

  it("rotates a bank's signing account and updates its endpoint (each on its own proposal), removes a member and changes the threshold", async () => {
    const f = await consortium(1);
    const at = f.record.addresses.consortium;
    // Only the member itself may propose its own rotation, even under a 1-of-2 threshold.
    const foreign = await expectCode(
      propose(at, f.signers.a, { kind: "rotate", oldAccount: f.accounts.b, newAccount: f.accounts.d }),
      "CONTRACT_REVERT",
    );
    expect((foreign as unknown as { revert: string }).revert).to.equal("NotOwnAccount");
    expect(
      (await propose(at, f.signers.b, { kind: "rotate", oldAccount: f.accounts.b, newAccount: f.accounts.d })).executed,
    ).to.equal(true);
    expect(await f.active(f.accounts.b)).to.equal(false);
    expect(await f.active(f.accounts.d)).to.equal(true);
    const fresh = bankPublication("Bank B", f.accounts.d);
    await propose(at, f.signers.d, { kind: "endpoint", member: fresh });
    const member = (await f.reader.getFunction("memberOf")(f.accounts.d)) as { peerId: string };
    expect(member.peerId).to.equal(fresh.peerIdBytes);
    await propose(at, f.signers.a, { kind: "threshold", threshold: 2 });
    expect(await f.reader.getFunction("threshold")()).to.equal(2n);
    // Removal would leave fewer members than the threshold: the registry refuses it at proposal time.
    const refused = await expectCode(
      propose(at, f.signers.a, { kind: "remove", account: f.accounts.d }),
      "CONTRACT_REVERT",
    );
    expect((refused as unknown as { revert: string }).revert).to.equal("InvalidThreshold");
    const admission = await propose(at, f.signers.a, {
      kind: "admit",
      member: bankPublication("Bank C", f.accounts.c),
    });
    expect((await approve(at, f.signers.d, admission.proposalId)).executed).to.equal(true);
    const removal = await propose(at, f.signers.a, { kind: "remove", account: f.accounts.d });
    expect(removal.executed).to.equal(false);
    const twice = await expectCode(approve(at, f.signers.a, removal.proposalId), "CONTRACT_REVERT");
    expect((twice as unknown as { revert: string }).revert).to.equal("AlreadyApproved");
    expect((await approve(at, f.signers.c, removal.proposalId)).executed).to.equal(true);
    expect(await f.active(f.accounts.d)).to.equal(false);
    expect(await f.active(f.accounts.c)).to.equal(true);
  });

  it("a non-member cannot propose; an unknown proposal cannot be approved (typed CONTRACT_REVERT)", async () => {
    const f = await consortium(1);
    const outsider = await expectCode(
      propose(f.record.addresses.consortium, f.signers.c, { kind: "threshold", threshold: 1 }),
      "CONTRACT_REVERT",
    );
    expect((outsider as unknown as { revert: string }).revert).to.equal("NotActiveMember");
    const unknown = await expectCode(approve(f.record.addresses.consortium, f.signers.a, 99n), "CONTRACT_REVERT");
    expect((unknown as unknown as { revert: string }).revert).to.equal("UnknownProposal");
  });

  it("member publication errors name the field", async () => {
    const ok = bankPublication("Bank C", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    for (const [bad, field] of [
      [{ ...ok, account: "0x1" }, "member.account"],
      [{ ...ok, transportPublicKey: "0x02" }, "member.transportPublicKey"],
      [{ ...ok, extra: 1 }, "member.extra"],
    ] as const) {
      const error = await expectCode(
        Promise.resolve().then(() => parseMemberPublication(bad)),
        "PRODUCTION_INPUT_INVALID",
      );
      expect((error as unknown as { field: string }).field).to.equal(field);
    }
  });

  it("CLI: propose admit and approve over JSON-RPC, each signed by its own bank's key", async () => {
    const f = await consortium(2);
    const bridge = await serveRpc(f.provider);
    const dir = mkdtempSync(join(tmpdir(), "kycnet-gov-cli-"));
    const root = fileURLToPath(new URL("../../..", import.meta.url));
    // Hardhat's public development keys #1 and #2 (bank A and bank B here).
    const keys = {
      K: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
      L: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    };
    const cli = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [
            "--import",
            "tsx",
            join(root, "scripts/production/cli.ts"),
            ...args,
            "--rpc",
            bridge.url,
            "--addresses",
            join(dir, "addresses.json"),
          ],
          { cwd: root, env: { ...process.env, ...keys }, timeout: 60_000 },
          (error, stdout, stderr) =>
            resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }),
        );
      });
    try {
      writeFileSync(join(dir, "addresses.json"), JSON.stringify(f.record.addresses));
      writeFileSync(join(dir, "bank-c.json"), JSON.stringify(bankPublication("Bank C", f.accounts.c)));
      const proposed = await cli(["propose", "admit", "--member", join(dir, "bank-c.json"), "--key-env", "K"]);
      expect(proposed.code, proposed.stderr).to.equal(0);
      expect(proposed.stdout).to.match(/proposal 0 \(admit\) from 0x[0-9a-fA-F]{40}: waiting for approvals/);
      const [missing, approved] = [
        await cli(["propose", "remove", "--key-env", "K"]),
        await cli(["approve", "--id", "0", "--key-env", "L"]),
      ];
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.match(/--account: is required for "remove"/);
      expect(approved.code, approved.stderr).to.equal(0);
      expect(approved.stdout).to.match(/proposal 0: executed/);
      expect(await f.active(f.accounts.c)).to.equal(true);
      const again = await cli(["approve", "--id", "0", "--key-env", "L"]);
      expect(again.code).to.equal(3);
      expect(again.stderr).to.match(/CONTRACT_REVERT: contract reverted with ProposalAlreadyExecuted/);
    } finally {
      await bridge.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
