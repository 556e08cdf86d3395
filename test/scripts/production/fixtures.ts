/** Inputs for the production generator tests: real secp256k1 keys from fixed seeds, made-up hosts. */
import { createECDH, randomBytes } from "node:crypto";
import { SigningKey, Wallet, hexlify, id } from "ethers";

export const validatorKey = (n: number) => new SigningKey(id(`test validator ${n}`));
/** Besu's key.pub form: 64 bytes, no 04 prefix. */
export const besuPublicKey = (n: number) => `0x${validatorKey(n).publicKey.slice(4)}`;
export const bankAccount = (n: number) => new Wallet(id(`test bank ${n}`)).address;

export function validators(count: number): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, i) => ({
    name: `validator-${i}`,
    publicKey: besuPublicKey(i),
    p2pHost: `198.51.100.${10 + i}`,
    p2pPort: 30303,
    rpcHost: `10.0.0.${10 + i}`,
  }));
}

export function genesisInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    chainId: 84710,
    blockPeriodSeconds: 2,
    epochLength: 30000,
    requestTimeoutSeconds: 4,
    gasLimit: 50_000_000,
    zeroGasPrice: true,
    validators: validators(4),
    ...overrides,
  };
}

/** The contract addresses file as `cli.ts deploy` writes it (made-up addresses for the pure tests). */
export const someAddresses = {
  consortium: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  attestations: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  consents: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
} as const;

export function bank(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const slug = `bank-${n}`;
  return {
    name: `Bank ${n}`,
    slug,
    account: bankAccount(n),
    dataDir: "/var/lib/kycnet",
    hsm: { modulePath: "/opt/hsm/lib/libvendor-pkcs11.so", tokenLabel: slug, pinEnv: "KYCNET_HSM_PIN" },
    api: {
      host: "127.0.0.1",
      port: 8080,
      apiKeys: [{ id: `${slug}-operator`, role: "operator", sha256: "ab".repeat(32) }],
    },
    p2p: { listen: ["/ip4/0.0.0.0/tcp/4001"], announce: `/dns4/p2p.${slug}.example.vn/tcp/4001` },
    ...overrides,
  };
}

export function banksInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    chain: { rpcUrl: "http://10.0.0.10:8545", chainId: 84710, confirmations: 1 },
    registry: { url: "https://c06.internal.example.vn" },
    sanctions: { lists: [{ format: "UN_CONSOLIDATED_XML", path: "/etc/kycnet/un.xml" }] },
    anchoring: { maxBatch: 256, maxDelayMs: 2000 },
    attestation: { pipelineVersion: "ekyc/0.1.0", validityDays: 1825 },
    log: { level: "info" },
    banks: [bank(1), bank(2)],
    ...overrides,
  };
}

/** What the two init commands print for one bank: an Ed25519 libp2p peer id (identity multihash) and a compressed P-256 key. */
export function bankPublication(name: string, account: string) {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return {
    name,
    account,
    peerIdBytes: hexlify(Buffer.concat([Buffer.from("002408011220", "hex"), randomBytes(32)])),
    transportPublicKey: hexlify(ecdh.getPublicKey(null, "compressed")),
  };
}
