/** Inputs for the production generator tests: real secp256k1 keys from fixed seeds, made-up hosts. */
import { SigningKey, Wallet, id } from "ethers";

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
