/**
 * Prepares a local consortium of banks on one machine: one SoftHSM2 token per bank (keys made
 * inside the token), each bank's libp2p identity sealed by its HSM, the contracts deployed with the
 * first bank as genesis member, the others admitted by M-of-N votes signed by the members' HSM
 * keys, and one node configuration file per bank. Used by the demo (scripts/demo) and the
 * end-to-end tests; production consortia do the same steps against their own chain and HSMs.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  Contract,
  HDNodeWallet,
  Mnemonic,
  NonceManager,
  getBytes,
  parseEther,
  type ContractTransactionResponse,
  type Signer,
} from "ethers";
import { ConsortiumRegistryAbi } from "@kycnet/sdk/chain";
import type { Hex } from "@kycnet/sdk/protocol";
import { generateApiKey } from "../../node/src/api/auth.ts";
import { DEFAULT_FOUR_EYES_REASONS, type NodeConfig } from "../../node/src/config.ts";
import { DEFAULT_MODULE_PATH } from "../../node/src/custody/pkcs11/config.ts";
import { openPkcs11KeyManager } from "../../node/src/custody/pkcs11/pkcs11-key-manager.ts";
import type { KeyManager } from "../../node/src/custody/key-manager.ts";
import { provisionToken, writeSoftHsmConf } from "../../node/src/custody/provision.ts";
import { loadOrCreatePeerKey, peerKeyFile } from "../../node/src/exchange/identity.ts";
import { deployKycnet } from "../../node/src/ledger/deploy.ts";
import type { ContractAddresses } from "../../node/src/ledger/ledger-client.ts";
import { createRpcProvider } from "../../node/src/ledger/provider.ts";
import { peerKeyPath } from "../../node/src/node.ts";
import { freePort } from "../lib/local-chain.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Hardhat's public development accounts: only the deployer and the faucet use one. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
export const DEMO_HSM_PIN = "demo-pin-1234";
const DEMO_SO_PIN = "demo-so-pin-5678";

export interface BankSetup {
  readonly name: string;
  readonly slug: string;
  readonly account: Hex;
  readonly configPath: string;
  readonly config: NodeConfig;
  readonly apiUrl: string;
  /** Plain API keys for the demo's clients (the node's config holds only their hashes). */
  readonly apiKeys: { readonly operator: string; readonly reviewer: string; readonly auditor: string };
}

export interface ConsortiumSetup {
  readonly dir: string;
  readonly softhsm2Conf: string;
  readonly chainId: bigint;
  readonly addresses: ContractAddresses;
  readonly banks: readonly BankSetup[];
  /** What every proposal needed: for the demo's narration. */
  readonly governance: ReadonlyArray<{ action: string; proposer: string; approvers: string[] }>;
}

export interface PrepareOptions {
  readonly dir: string;
  readonly rpcUrl: string;
  readonly chainId: bigint;
  readonly registryUrl: string;
  readonly bankNames: readonly string[];
  /** Approvals needed once every bank is in (the genesis bank alone starts at 1). */
  readonly threshold: number;
  /** A CSCA trust list (file or folder) every bank verifies chips against (eKYC level 2); absent: level 1 only. */
  readonly chipTrustList?: string;
  readonly progress?: (message: string) => void;
}

const slugOf = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

export async function prepareConsortium(options: PrepareOptions): Promise<ConsortiumSetup> {
  const say = options.progress ?? (() => undefined);
  const dir = resolve(options.dir);
  const softhsm2Conf = writeSoftHsmConf(join(dir, "softhsm"));
  const provider = createRpcProvider(options.rpcUrl, { chainId: options.chainId, pollingIntervalMs: 100 });
  const dev = (i: number) =>
    new NonceManager(
      HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`).connect(provider),
    );
  const deployer = dev(0);

  // 1. Each bank: a token with its three keys, and its libp2p identity sealed by that token.
  interface ProvisionedBank {
    name: string;
    slug: string;
    dataDir: string;
    keys: KeyManager;
    account: Hex;
    transportKey: Uint8Array;
    peerId: Uint8Array;
  }
  const banks: ProvisionedBank[] = [];
  for (const name of options.bankNames) {
    const slug = slugOf(name);
    const dataDir = join(dir, slug);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const token = await provisionToken({
      modulePath: DEFAULT_MODULE_PATH,
      tokenLabel: slug,
      soPin: DEMO_SO_PIN,
      userPin: DEMO_HSM_PIN,
      softhsm2Conf,
    });
    const keys = await openPkcs11KeyManager({
      modulePath: DEFAULT_MODULE_PATH,
      tokenLabel: slug,
      pin: DEMO_HSM_PIN,
      softhsm2Conf,
    });
    const identity = await loadOrCreatePeerKey({ keys, ...peerKeyFile(peerKeyPath(dataDir)) });
    banks.push({
      name,
      slug,
      dataDir,
      keys,
      account: token.address as Hex,
      transportKey: getBytes(token.transportPublicKey),
      peerId: identity.peerIdBytes,
    });
    say(`${name}: HSM token "${slug}" ready, account ${token.address}`);
  }

  try {
    // 2. Gas for the banks' HSM accounts (a permissioned chain would have zero gas price instead).
    for (const bank of banks)
      await (await deployer.sendTransaction({ to: bank.account, value: parseEther("100") })).wait();

    // 3. Contracts with the first bank as the only genesis member, threshold 1.
    const [first, ...others] = banks;
    const member = (b: ProvisionedBank) => ({
      account: b.account,
      name: b.name,
      peerId: b.peerId,
      transportKey: b.transportKey,
    });
    const addresses = await deployKycnet(deployer, { members: [member(first!)], threshold: 1 });
    say(`contracts deployed: consortium ${addresses.consortium}`);

    // 4. The others are admitted by proposals that members approve with their HSM keys.
    const governance: Array<{ action: string; proposer: string; approvers: string[] }> = [];
    const signers = new Map<string, Signer>(
      banks.map((b) => [b.slug, new NonceManager(b.keys.createSigner(provider))]),
    );
    const registry = (b: ProvisionedBank) =>
      new Contract(addresses.consortium, ConsortiumRegistryAbi, signers.get(b.slug));
    const admitted = [first!];
    const propose = async (action: string, send: (c: Contract) => Promise<{ wait(): Promise<unknown> }>) => {
      const proposer = admitted[0]!;
      const before = (await registry(proposer).getFunction("proposalCount")()) as bigint;
      // The threshold in force when proposing decides: the proposer's approval counts as one.
      const threshold = Number(await registry(proposer).getFunction("threshold")());
      await (await send(registry(proposer))).wait();
      const approvers = admitted.slice(1, threshold);
      // Proposal ids are 0-based: the new one is the count before it.
      for (const approver of approvers) {
        await ((await registry(approver).getFunction("approve")(before)) as ContractTransactionResponse).wait();
      }
      governance.push({ action, proposer: proposer.name, approvers: approvers.map((a) => a.name) });
    };
    for (const bank of others) {
      await propose(`admit ${bank.name}`, (c) => c.getFunction("proposeAdmitMember")(member(bank)));
      admitted.push(bank);
      say(`${bank.name} admitted`);
      const wanted = Math.min(options.threshold, admitted.length);
      if (Number(await registry(first!).getFunction("threshold")()) !== wanted) {
        await propose(`threshold ${wanted} of ${admitted.length}`, (c) => c.getFunction("proposeThreshold")(wanted));
      }
    }

    // 5. One node configuration per bank, with the consortium's address book.
    const ports = await Promise.all(banks.map(async () => ({ api: await freePort(), p2p: await freePort() })));
    const peers = banks.map((b, i) => ({ account: b.account, address: `/ip4/127.0.0.1/tcp/${ports[i]!.p2p}` }));
    const setups: BankSetup[] = banks.map((b, i) => {
      const operator = generateApiKey(`${b.slug}-operator`, "operator");
      const reviewer = generateApiKey(`${b.slug}-reviewer`, "reviewer");
      const auditor = generateApiKey(`${b.slug}-auditor`, "auditor");
      const config: NodeConfig = {
        name: b.name,
        dataDir: b.dataDir,
        chain: {
          rpcUrl: options.rpcUrl,
          chainId: Number(options.chainId),
          addresses: { ...addresses },
          confirmations: 1,
          blockPeriodMs: 1_000,
        },
        custody: {
          kind: "pkcs11",
          modulePath: DEFAULT_MODULE_PATH,
          tokenLabel: b.slug,
          pinEnv: "KYCNET_HSM_PIN",
          softhsm2Conf,
        },
        api: { host: "127.0.0.1", port: ports[i]!.api, apiKeys: [operator.entry, reviewer.entry, auditor.entry] },
        exchange: { listen: [peers[i]!.address], peers },
        registry: { url: options.registryUrl, deadlineMs: 5_000 },
        sanctions: {
          lists: [{ format: "UN_CONSOLIDATED_XML", path: join(ROOT, "test/fixtures/sanctions/un-consolidated.xml") }],
        },
        ...(options.chipTrustList === undefined ? {} : { chip: { trustList: options.chipTrustList } }),
        reuse: { minimumSourceLevel: 1 },
        review: { fourEyesReasons: [...DEFAULT_FOUR_EYES_REASONS], consoleSessionMinutes: 480 },
        anchoring: { maxBatch: 256, maxDelayMs: 500 },
        attestation: { pipelineVersion: "ekyc/0.1.0", validityDays: 1825 },
        log: { level: "warn" },
        retention: { sweepIntervalMs: 3_600_000 },
      };
      const configPath = join(b.dataDir, "node.json");
      writeFileSync(configPath, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
      return {
        name: b.name,
        slug: b.slug,
        account: b.account,
        configPath,
        config,
        apiUrl: `http://127.0.0.1:${ports[i]!.api}`,
        apiKeys: { operator: operator.key, reviewer: reviewer.key, auditor: auditor.key },
      };
    });
    return { dir, softhsm2Conf, chainId: options.chainId, addresses, banks: setups, governance };
  } finally {
    for (const bank of banks) await bank.keys.close();
    provider.destroy();
  }
}
