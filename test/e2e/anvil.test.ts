/**
 * The node is not tied to Hardhat: the chain-facing code runs unchanged against Foundry's Anvil
 * (a second, independent EVM implementation in Rust), started by `startLocalChain({ engine: "anvil" })`.
 * Contracts are deployed with `deployKycnet` from the dev mnemonic accounts over plain JSON-RPC, each
 * bank signs through the node's LeanNonceManager as the production node does (composition/ledger.ts), then
 * the whole LedgerClient compliance suite and the auditor's attestation/consent checks run on it.
 */
import { expect } from "chai";
import { HDNodeWallet, Mnemonic, Wallet, type JsonRpcProvider, type Signer } from "ethers";
import { LeanNonceManager } from "../../node/src/ledger/ethers/lean-nonce-manager.ts";
import { startLocalChain, type LocalChain } from "../../scripts/lib/local-chain.ts";
import { createRpcProvider } from "../../node/src/ledger/provider.ts";
import { deployKycnet } from "../../node/src/ledger/deploy.ts";
import { createEthersLedger } from "../../node/src/ledger/ethers/ethers-ledger.ts";
import type { ContractAddresses, LedgerClient } from "../../node/src/ledger/ledger-client.ts";
import { createAuditor } from "@kycnet/sdk/auditor";
import { Purpose, attestationUid, consentIdOf, signConsentGrant, type Hex } from "@kycnet/sdk/protocol";
import { isRevert } from "../../node/src/ledger/errors.ts";
import { devMember } from "../node/ledger/fixture.ts";
import { describeLedgerClientCompliance } from "../node/ledger/ledger-client.compliance.ts";
import { AssuranceLevel, Method, encodePipelineVersion } from "@kycnet/sdk/protocol";
import { ZeroHash, hexlify, randomBytes } from "ethers";

const DEV_MNEMONIC = "test test test test test test test test test test test junk";
/** Hardhat's and Anvil's first dev account for that mnemonic: both engines must fund the same keys. */
const FIRST_DEV_ACCOUNT = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

interface AnvilConsortium {
  readonly provider: JsonRpcProvider;
  readonly addresses: ContractAddresses;
  readonly ledgers: {
    readonly a: LedgerClient;
    readonly b: LedgerClient;
    readonly c: LedgerClient;
    readonly outsider: LedgerClient;
  };
  now: () => Promise<bigint>;
}

let chain: LocalChain | undefined;
const providers: JsonRpcProvider[] = [];

/** One Anvil for the whole file (started lazily by the first suite that needs it), one deployment per call. */
async function anvilConsortium(): Promise<AnvilConsortium> {
  const first = chain === undefined;
  chain ??= await startLocalChain({ engine: "anvil" });
  const provider = createRpcProvider(chain.url, { chainId: chain.chainId });
  providers.push(provider);
  // Found on Anvil: with automine, blocks mined within the same second share its timestamp, while
  // Hardhat (like Ethereum's consensus rule, timestamp > parent's) makes every block at least one
  // second later. The contracts' time rules ("VALID before the revocation") need the real-chain
  // behaviour, so each Anvil block is made one second after the previous one.
  if (first) await provider.send("anvil_setBlockTimestampInterval", [1]);
  const dev = (i: number): Signer =>
    new LeanNonceManager(
      HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`).connect(provider),
    );
  const [deployer, bankA, bankB, bankC, outsider] = [0, 1, 2, 3, 4].map(dev) as [
    Signer,
    Signer,
    Signer,
    Signer,
    Signer,
  ];
  const addresses = await deployKycnet(deployer, {
    members: [await devMember(bankA, "Bank A"), await devMember(bankB, "Bank B"), await devMember(bankC, "Bank C")],
    threshold: 2,
  });
  const [a, b, c, o] = await Promise.all(
    [bankA, bankB, bankC, outsider].map((runner) => createEthersLedger({ runner, addresses })),
  );
  const now = async () => BigInt((await provider.getBlock("latest"))!.timestamp);
  return { provider, addresses, ledgers: { a: a!, b: b!, c: c!, outsider: o! }, now };
}

describe("e2e: the node on Anvil (Foundry) instead of Hardhat", function () {
  this.timeout(60_000);

  after(async () => {
    for (const p of providers) p.destroy();
    await chain?.stop();
  });

  describe("the Anvil chain", () => {
    it("answers with chain id 31337 and funds the same dev accounts as Hardhat's node", async () => {
      const { provider } = await anvilConsortium();
      expect(chain!.engine).to.equal("anvil");
      expect(chain!.chainId).to.equal(31337n);
      expect(HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), "m/44'/60'/0'/0/0").address).to.equal(
        FIRST_DEV_ACCOUNT,
      );
      expect(await provider.getBalance(FIRST_DEV_ACCOUNT)).to.be.greaterThan(0n);
      const version = (await provider.send("web3_clientVersion", [])) as string;
      expect(version.toLowerCase()).to.contain("anvil");
    });
  });

  describe("findings from running on Anvil", () => {
    it("the node's nonce-managing signer keeps sending after a transaction the chain refused before it was sent", async () => {
      const f = await anvilConsortium();
      const t = await f.now();
      const record = {
        subject: Wallet.createRandom().address as Hex,
        recordRoot: hexlify(randomBytes(32)) as Hex,
        method: Method.FULL_EKYC,
        assuranceLevel: AssuranceLevel.LEVEL_1,
        pipelineVersion: encodePipelineVersion("ekyc/anvil"),
        issuedAt: t,
        expiresAt: t + 86_400n * 365n,
        refCommitment: ZeroHash as Hex,
      };
      await f.ledgers.a.anchorBatch([record]);
      const refused = await f.ledgers.a.anchorBatch([record]).catch((e: unknown) => e);
      expect(isRevert(refused, "BatchAlreadyAnchored"), String(refused)).to.equal(true);
      // Without the reset the next nonce skips one and this transaction waits forever.
      const next = await Promise.race([
        f.ledgers.a.anchorBatch([{ ...record, recordRoot: hexlify(randomBytes(32)) as Hex }]).then(() => "mined"),
        new Promise((resolve) => setTimeout(() => resolve("stuck"), 10_000)),
      ]);
      expect(next).to.equal("mined");
    });

    it("every block is at least one second after its parent, as on Hardhat and a real chain", async () => {
      const f = await anvilConsortium();
      const latest = await f.provider.getBlockNumber();
      expect(latest).to.be.greaterThan(3);
      for (let n = latest - 3; n <= latest; n++) {
        const [parent, block] = await Promise.all([f.provider.getBlock(n - 1), f.provider.getBlock(n)]);
        expect(block!.timestamp).to.be.greaterThan(parent!.timestamp);
      }
    });
  });

  describe("auditor on Anvil", () => {
    it("inspects an anchored attestation and a relayed consent with no findings", async () => {
      const f = await anvilConsortium();
      const auditor = createAuditor({ provider: f.provider, addresses: f.addresses });
      const subject = Wallet.createRandom();
      const t = await f.now();
      const { proofs, uids } = await f.ledgers.a.anchorBatch([
        {
          subject: subject.address as Hex,
          recordRoot: hexlify(randomBytes(32)) as Hex,
          method: Method.FULL_EKYC,
          assuranceLevel: AssuranceLevel.LEVEL_1,
          pipelineVersion: encodePipelineVersion("ekyc/anvil"),
          issuedAt: t,
          expiresAt: t + 86_400n * 365n,
          refCommitment: ZeroHash as Hex,
        },
      ]);
      const attestation = await auditor.inspectAttestation(uids[0]!);
      expect(attestation).to.include({
        status: "VALID",
        issuerName: "Bank A",
        issuerActiveAtAnchoring: true,
        issuerActiveAtIssue: true,
      });
      expect(attestation.findings).to.deep.equal([]);

      const chainId = await f.ledgers.b.chainId();
      const grant = {
        attestationUid: attestationUid(
          { chainId, registry: f.addresses.attestations },
          proofs[0]!.issuer,
          proofs[0]!.data,
        ),
        grantee: await f.ledgers.b.account(),
        purpose: Purpose.ONBOARDING,
        fieldMask: 0b11,
        validUntil: t + 3600n,
        nonce: 1n,
        deadline: t + 600n,
      };
      await f.ledgers.b.grantConsentBySig(
        grant,
        proofs[0]!,
        await signConsentGrant(subject, { chainId, verifyingContract: f.addresses.consents }, grant),
      );
      const consent = await auditor.inspectConsent(consentIdOf(grant));
      expect(consent.signature).to.deep.equal({ via: "grantBySig", signer: subject.address, valid: true });
      expect(consent).to.include({ status: "ACTIVE", granteeName: "Bank B", purposeName: "ONBOARDING" });
      expect(consent.findings).to.deep.equal([]);
    });
  });

  describeLedgerClientCompliance("ethers adapter on Anvil (JSON-RPC, LeanNonceManager signers)", async () => {
    const f = await anvilConsortium();
    return {
      ledgerA: f.ledgers.a,
      ledgerB: f.ledgers.b,
      ledgerC: f.ledgers.c,
      outsider: f.ledgers.outsider,
      readOnly: await createEthersLedger({ runner: f.provider, addresses: f.addresses }),
      now: f.now,
      chainId: await f.ledgers.a.chainId(),
      addresses: f.addresses,
      // Anvil implements Hardhat's evm_setNextBlockTimestamp under the same name.
      setNextBlockTime: async (t: bigint) => {
        await f.provider.send("evm_setNextBlockTimestamp", [Number(t)]);
      },
    };
  });
});
