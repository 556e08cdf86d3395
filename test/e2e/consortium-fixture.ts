/**
 * The consortium the end-to-end tests run against, everything real: a JSON-RPC chain, banks with
 * SoftHSM2 tokens admitted by vote, nodes with LevelDB vaults and the real face model, and the
 * registry simulator knowing the test customer (its fields, and its photo: the card's portrait,
 * which the registry compares with a chip portrait sent at level 2). Bank A (the first) reads cards; the others only
 * re-onboard, so a card read there fails the test. A start that fails half-way stops what it started.
 */
import { citizenRecordOf } from "../../scripts/cards/people.ts";
import type { HDNodeWallet, Wallet } from "ethers";
import {
  ALL_FIELDS_MASK,
  Purpose,
  signConsentGrant,
  toConsentGrant,
  type ConsentGrant,
  type Hex,
} from "@kycnet/sdk/protocol";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadNodeConfig, type NodeConfig } from "../../node/src/config.ts";
import type { FaceModel } from "../../node/src/ekyc/biometrics/index.ts";
import { CitizenPhotos } from "../../node/src/ekyc/checks/national-id/citizen-photos.ts";
import {
  createRegistrySimulator,
  type RegistrySimulator,
} from "../../node/src/ekyc/checks/national-id/simulator/server.ts";
import { createNode, type KycnetNode, type NodeOverrides } from "../../node/src/node.ts";
import type { ReuseSessionRequest } from "../../node/src/onboarding/ports.ts";
import { DEMO_HSM_PIN, prepareConsortium, type ConsortiumSetup } from "../../scripts/consortium/setup.ts";
import type { DemoCustomer } from "../../scripts/demo/customer.ts";
import { startLocalChain, type LocalChain } from "../../scripts/lib/local-chain.ts";

export interface E2eConsortiumOptions {
  readonly model: FaceModel;
  /** The customer the registry simulator knows. */
  readonly customer: DemoCustomer;
  /** More people the registry knows (fields only: their portraits are not enrolled). */
  readonly moreCitizens?: readonly DemoCustomer[];
  readonly bankNames: readonly string[];
  readonly threshold: number;
  /** A CSCA certificate (PEM) every bank trusts for chips, unless `editConfig` takes it away. */
  readonly chipTrustListPem?: string;
  /** Changes a bank's node.json (by index) before its node starts. */
  readonly editConfig?: (index: number, config: NodeConfig) => NodeConfig;
  /** Extra overrides for a bank's node (by index). */
  readonly overrides?: (index: number) => NodeOverrides;
}

export interface E2eConsortium {
  readonly dir: string;
  readonly chain: LocalChain;
  readonly registry: RegistrySimulator;
  /** The registry's photos (the customer's card portrait is filed at start). */
  readonly registryPhotos: CitizenPhotos;
  readonly setup: ConsortiumSetup;
  readonly nodes: readonly KycnetNode[];
  stop(): Promise<void>;
}

const notUsed = async (): Promise<never> => {
  throw new Error("only bank A reads cards in the end-to-end tests");
};

export async function startE2eConsortium(options: E2eConsortiumOptions): Promise<E2eConsortium> {
  const dir = mkdtempSync(join(tmpdir(), "kycnet-e2e-"));
  const nodes: KycnetNode[] = [];
  let chain: LocalChain | undefined;
  const p = options.customer.person;
  const registryPhotos = new CitizenPhotos(options.model);
  const citizens = [p, ...(options.moreCitizens ?? []).map((c) => c.person)].map(citizenRecordOf);
  const registry = createRegistrySimulator({ citizens, photos: registryPhotos });
  const stop = async () => {
    for (const node of [...nodes].reverse()) await node.stop().catch(() => undefined);
    await registry.stop();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await registryPhotos.enrol(p.idNumber, options.customer.portrait);
    const registryUrl = await registry.start();
    chain = await startLocalChain();
    let chipTrustList: string | undefined;
    if (options.chipTrustListPem !== undefined) {
      chipTrustList = join(dir, "csca.pem");
      writeFileSync(chipTrustList, options.chipTrustListPem);
    }
    const setup = await prepareConsortium({
      dir,
      rpcUrl: chain.url,
      chainId: chain.chainId,
      registryUrl,
      bankNames: [...options.bankNames],
      threshold: options.threshold,
      ...(chipTrustList === undefined ? {} : { chipTrustList }),
    });
    process.env.KYCNET_HSM_PIN = DEMO_HSM_PIN;
    for (const [i, bank] of setup.banks.entries()) {
      if (options.editConfig) {
        const config = JSON.parse(readFileSync(bank.configPath, "utf8")) as NodeConfig;
        writeFileSync(bank.configPath, JSON.stringify(options.editConfig(i, config)));
      }
      const node = await createNode(await loadNodeConfig(bank.configPath), {
        faceModel: options.model,
        ...(i === 0 ? {} : { readDocument: notUsed }),
        ...(options.overrides?.(i) ?? {}),
      });
      nodes.push(node);
      await node.start();
    }
    return { dir, chain, registry, registryPhotos, setup, nodes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A consent grant to `grantee` for `sourceUid`, signed by the customer's key, and its EIP-712 domain. */
export interface SignedReuse {
  readonly grant: ConsentGrant;
  readonly domain: { readonly chainId: bigint; readonly verifyingContract: Hex };
  /** The grant as `createReuseSession` takes it (numbers as decimal strings). */
  readonly request: ReuseSessionRequest;
}

/**
 * What a customer's app sends to re-onboard at `grantee`: a one-hour consent to every field, signed
 * now (`nonce`: a customer signing several consents gives each its own).
 */
export async function signedReuse(
  consortium: E2eConsortium,
  grantee: KycnetNode,
  sourceUid: Hex,
  customerKey: Wallet | HDNodeWallet,
  nonce = 1n,
): Promise<SignedReuse> {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const grant = toConsentGrant({
    attestationUid: sourceUid,
    grantee: await grantee.ledger.account(),
    purpose: Purpose.ONBOARDING,
    fieldMask: ALL_FIELDS_MASK,
    validUntil: now + 3600n,
    nonce,
    deadline: now + 600n,
  });
  const domain = { chainId: await grantee.ledger.chainId(), verifyingContract: consortium.setup.addresses.consents };
  const signature = (await signConsentGrant(customerKey, domain, grant)) as Hex;
  const wire = {
    ...grant,
    validUntil: String(grant.validUntil),
    nonce: String(grant.nonce),
    deadline: String(grant.deadline),
  };
  return { grant, domain, request: { attestationUid: sourceUid, grant: wire, signature } };
}
