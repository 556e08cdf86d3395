/**
 * A small consortium for exchange tests and the benchmark: four member banks (A issues, B and C
 * request, D gets removed) plus an outsider, each with a real libp2p host on 127.0.0.1, its own
 * key manager and membership gate, on a fresh in-process Hardhat network where every member's
 * peer id and transport key are the real ones.
 */
import { network } from "hardhat";
import { Contract, Wallet, ZeroHash, hexlify, randomBytes, type HDNodeWallet, type Signer } from "ethers";
import type { Multiaddr } from "@multiformats/multiaddr";
import {
  AssuranceLevel,
  Method,
  Purpose,
  commitRecord,
  encodePipelineVersion,
  signConsentGrant,
  signConsentRevocation,
  type AttestationProof,
  type Hex,
  type RecordCommitment,
} from "@kycnet/sdk/protocol";
import { ConsortiumRegistryAbi } from "@kycnet/sdk/chain";
import type { KeyManager, SealedRecord } from "../../../node/src/custody/key-manager.ts";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { deployKycnet } from "../../../node/src/ledger/deploy.ts";
import { createEthersLedger } from "../../../node/src/ledger/ethers/ethers-ledger.ts";
import type { LedgerClient } from "../../../node/src/ledger/ledger-client.ts";
import { encodeTemplate } from "../../../node/src/ekyc/biometrics/template.ts";
import { createExchangeHost, type ExchangeHost, type ExchangeHostOptions } from "../../../node/src/exchange/host.ts";
import { loadOrCreatePeerKey, type PeerIdentity } from "../../../node/src/exchange/identity.ts";
import { createMembershipGate, type MembershipCheck } from "../../../node/src/exchange/membership.ts";
import {
  createRecordClient,
  type RecordClient,
  type RecordClientOptions,
} from "../../../node/src/exchange/record-client.ts";
import {
  createRecordServer,
  type RecordServer,
  type RecordServerOptions,
  type RecordSource,
  type SourceRecord,
  type OpenedRecord,
  type ServedEvent,
} from "../../../node/src/exchange/record-server.ts";

export type BankName = "A" | "B" | "C" | "D" | "outsider";

export interface Bank {
  readonly name: BankName;
  readonly signer: Signer;
  readonly account: Hex;
  readonly keys: KeyManager;
  readonly identity: PeerIdentity;
  readonly ledger: LedgerClient;
  readonly membership: MembershipCheck;
  readonly host: ExchangeHost;
  readonly client: RecordClient;
  /** The host's TCP address without /p2p (callers append the on-chain peer id). */
  address(): Multiaddr;
}

/** In-memory RecordSource: records made with commitRecord, keyed by attestation uid. */
export class MemoryRecordSource implements RecordSource {
  readonly records = new Map<string, { recordId: string; attestation: AttestationProof; opened: OpenedRecord }>();
  openDelayMs = 0;
  opens = 0;
  add(uid: Hex, attestation: AttestationProof, opened: OpenedRecord): void {
    this.records.set(uid.toLowerCase(), { recordId: `rec_${uid.slice(2, 34)}`, attestation, opened });
  }
  async findByAttestationUid(uid: Hex): Promise<SourceRecord | null> {
    const entry = this.records.get(uid.toLowerCase());
    if (entry === undefined) return null;
    return {
      recordId: entry.recordId,
      attestation: entry.attestation,
      open: async () => {
        this.opens++;
        if (this.openDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.openDelayMs));
        return entry.opened;
      },
    };
  }
}

export interface IssuedRecord {
  readonly commitment: RecordCommitment;
  readonly template: Uint8Array;
  readonly proof: AttestationProof;
  readonly uid: Hex;
  readonly subject: HDNodeWallet;
}

export interface ConsortiumOptions {
  /** Key manager per bank; MemoryKeyManager by default. */
  readonly keyManager?: (name: BankName) => Promise<KeyManager>;
  readonly server?: Partial<Omit<RecordServerOptions, "host" | "ledger" | "keys" | "membership" | "source">>;
  readonly client?: Partial<Omit<RecordClientOptions, "host" | "ledger" | "keys">>;
  readonly membershipTtlMs?: number;
  readonly host?: Partial<Omit<ExchangeHostOptions, "privateKey" | "listen" | "membership">>;
}

export function faceTemplateBytes(seed = 1): Uint8Array {
  const embedding = new Float32Array(512).map((_, i) => Math.sin(seed * 7.1 + i));
  const norm = Math.hypot(...embedding);
  return encodeTemplate({ modelId: "test-face-model", embedding: embedding.map((v) => v / norm) });
}

export async function exchangeConsortium(options: ConsortiumOptions = {}) {
  const connection = await network.create();
  const { ethers } = connection;
  const [deployer, sA, sB, sC, sD, sOut] = (await ethers.getSigners()) as unknown as Signer[];
  const signers: Record<BankName, Signer> = { A: sA!, B: sB!, C: sC!, D: sD!, outsider: sOut! };
  const names: BankName[] = ["A", "B", "C", "D", "outsider"];

  const prepared = await Promise.all(
    names.map(async (name) => {
      const keys = await (options.keyManager ?? (async () => new MemoryKeyManager()))(name);
      let stored: SealedRecord | null = null;
      const identity = await loadOrCreatePeerKey({
        keys,
        read: async () => stored,
        write: async (s) => {
          stored = s;
        },
      });
      return { name, keys, identity, account: (await signers[name].getAddress()) as Hex };
    }),
  );

  const addresses = await deployKycnet(deployer!, {
    members: await Promise.all(
      prepared
        .filter((p) => p.name !== "outsider")
        .map(async (p) => ({
          account: p.account,
          name: `Bank ${p.name}`,
          peerId: p.identity.peerIdBytes,
          transportKey: await p.keys.getTransportPublicKey(),
        })),
    ),
    threshold: 2,
  });

  const source = new MemoryRecordSource();
  const served: ServedEvent[] = [];
  const banks = {} as Record<BankName, Bank>;
  const servers: RecordServer[] = [];
  for (const p of prepared) {
    const ledger = await createEthersLedger({ runner: signers[p.name], addresses });
    const membership = createMembershipGate({ ledger, ttlMs: options.membershipTtlMs ?? 10_000 });
    const host = await createExchangeHost({
      privateKey: p.identity.privateKey,
      listen: ["/ip4/127.0.0.1/tcp/0"],
      membership,
      ...options.host,
    });
    await host.start();
    const client = createRecordClient({ host, ledger, keys: p.keys, ...options.client });
    banks[p.name] = {
      name: p.name,
      signer: signers[p.name],
      account: p.account,
      keys: p.keys,
      identity: p.identity,
      ledger,
      membership,
      host,
      client,
      address: () => host.multiaddrs()[0]!.decapsulateCode(421),
    };
  }
  const A = banks.A;
  const server = createRecordServer({
    host: A.host,
    ledger: A.ledger,
    keys: A.keys,
    membership: A.membership,
    source,
    onServed: (event) => served.push(event),
    ...options.server,
  });
  await server.start();
  servers.push(server);

  const chainId = (await ethers.provider.getNetwork()).chainId;
  const domain = { chainId, verifyingContract: addresses.consents };
  const now = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  let n = 0;

  /** Bank A verifies a made-up person, anchors the record and keeps it in its source. */
  async function issue(): Promise<IssuedRecord> {
    n++;
    const template = faceTemplateBytes(n);
    const { createHash } = await import("node:crypto");
    const commitment = commitRecord({
      idNumber: `0792010${String(10000 + n).slice(-5)}`,
      oldIdNumber: "",
      fullName: `Trần Thị Thử ${n}`,
      dateOfBirth: "1991-03-15",
      sex: "F",
      nationality: "VNM",
      address: "12 Lê Lợi, Quận 1, TP Hồ Chí Minh",
      issueDate: "2022-05-10",
      expiryDate: "2031-03-15",
      documentType: "CCCD_CHIP",
      faceTemplate: "0x" + createHash("sha256").update(template).digest("hex"),
    });
    const subject = Wallet.createRandom();
    const t = await now();
    const batch = await A.ledger.anchorBatch([
      {
        subject: subject.address as Hex,
        recordRoot: commitment.root,
        method: Method.FULL_EKYC,
        assuranceLevel: AssuranceLevel.LEVEL_2,
        pipelineVersion: encodePipelineVersion("ekyc/test"),
        issuedAt: t,
        expiresAt: t + 86_400n * 365n,
        refCommitment: ZeroHash as Hex,
      },
    ]);
    const proof = batch.proofs[0]!;
    const uid = batch.uids[0]!;
    source.add(uid, proof, { fields: commitment.fields, salts: commitment.salts, faceTemplate: template });
    return { commitment, template, proof, uid, subject };
  }

  /** The customer signs a consent for `grantee`; the grantee relays it. */
  async function grant(
    record: IssuedRecord,
    grantee: Bank,
    fieldMask: number,
  ): Promise<{ consentId: Hex; nonce: bigint }> {
    const t = await now();
    const nonce = BigInt(hexlify(randomBytes(16)));
    const g = {
      attestationUid: record.uid,
      grantee: grantee.account,
      purpose: Purpose.ONBOARDING,
      fieldMask,
      validUntil: t + 3_600n,
      nonce,
      deadline: t + 3_600n,
    };
    const signature = await signConsentGrant(record.subject, domain, g);
    const { consentId } = await grantee.ledger.grantConsentBySig(g, record.proof, signature);
    return { consentId, nonce };
  }

  async function revokeConsent(record: IssuedRecord, consentId: Hex): Promise<void> {
    const t = await now();
    const r = { consentId, nonce: BigInt(hexlify(randomBytes(16))), deadline: t + 3_600n };
    await banks.B.ledger.revokeConsentBySig(r, await signConsentRevocation(record.subject, domain, r));
  }

  /** Governance: A proposes removing `bank`, B approves (threshold 2). */
  async function removeMember(bank: Bank): Promise<void> {
    const asA = new Contract(addresses.consortium, ConsortiumRegistryAbi, banks.A.signer);
    await (await asA.getFunction("proposeRemoveMember")(bank.account)).wait();
    const id = ((await asA.getFunction("proposalCount")()) as bigint) - 1n; // ids are 0-based, newest last
    const asB = new Contract(addresses.consortium, ConsortiumRegistryAbi, banks.B.signer);
    await (await asB.getFunction("approve")(id)).wait();
  }

  /** Governance: `bank` itself proposes moving to `newAccount` (only it may), another bank approves (threshold 2). */
  async function rotateAccount(bank: Bank, newAccount: Hex): Promise<void> {
    const own = new Contract(addresses.consortium, ConsortiumRegistryAbi, bank.signer);
    await (await own.getFunction("proposeRotateAccount")(bank.account, newAccount)).wait();
    const id = ((await own.getFunction("proposalCount")()) as bigint) - 1n;
    const approver = bank === banks.A ? banks.B : banks.A;
    const other = new Contract(addresses.consortium, ConsortiumRegistryAbi, approver.signer);
    await (await other.getFunction("approve")(id)).wait();
  }

  async function stop(): Promise<void> {
    for (const s of servers.reverse()) await s.stop();
    for (const bank of Object.values(banks)) await bank.host.stop();
    for (const bank of Object.values(banks)) await bank.keys.close();
    await connection.close();
  }

  return {
    connection,
    ethers,
    addresses,
    banks,
    source,
    served,
    server,
    issue,
    grant,
    revokeConsent,
    removeMember,
    rotateAccount,
    now,
    stop,
    domain,
  };
}

export type ExchangeConsortium = Awaited<ReturnType<typeof exchangeConsortium>>;

/** Peer ids (strings) `bank`'s host is connected to right now. */
export function connectedPeers(bank: Bank): string[] {
  return bank.host.connectedPeers().map((p) => p.toString());
}
