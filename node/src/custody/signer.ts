/**
 * An ethers v6 signer whose key lives behind a `KeyManager`: it builds exactly what ethers' own
 * Wallet builds (transaction unsigned hash, EIP-191 message hash, EIP-712 typed-data hash) and asks
 * the key manager to sign the 32-byte digest. Nonces, gas and broadcasting come from
 * `AbstractSigner` and the connected provider.
 */
import {
  AbstractSigner,
  Signature,
  Transaction,
  TypedDataEncoder,
  copyRequest,
  getAddress,
  getBytes,
  hashMessage,
  resolveAddress,
  resolveProperties,
  type Provider,
  type TransactionLike,
  type TransactionRequest,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import type { DigestSignature } from "./key-manager.ts";

/** What the signer needs from a key manager: the address and digest signing. */
export interface DigestSigningKey {
  getAddress(): Promise<string>;
  signDigest(digest: Uint8Array): Promise<DigestSignature>;
}

export class KeyManagerSigner extends AbstractSigner {
  readonly #key: DigestSigningKey;

  constructor(key: DigestSigningKey, provider: Provider | null = null) {
    super(provider);
    this.#key = key;
  }

  override getAddress(): Promise<string> {
    return this.#key.getAddress();
  }

  override connect(provider: Provider | null): KeyManagerSigner {
    return new KeyManagerSigner(this.#key, provider);
  }

  override async signTransaction(request: TransactionRequest): Promise<string> {
    const tx = copyRequest(request);
    const address = await this.getAddress();
    const { to, from } = await resolveProperties({
      to: tx.to ? resolveAddress(tx.to, this.provider) : undefined,
      from: tx.from ? resolveAddress(tx.from, this.provider) : undefined,
    });
    if (to != null) tx.to = to;
    if (from != null) {
      if (getAddress(from) !== address)
        throw new InvalidArgumentError("tx.from", "does not match the signer's address");
      delete tx.from;
    }
    const unsigned = Transaction.from(tx as TransactionLike<string>);
    unsigned.signature = await this.#sign(unsigned.unsignedHash);
    return unsigned.serialized;
  }

  override async signMessage(message: string | Uint8Array): Promise<string> {
    return (await this.#sign(hashMessage(message))).serialized;
  }

  override async signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    const populated = await TypedDataEncoder.resolveNames(domain, types, value, async (name) => {
      const resolved = this.provider ? await this.provider.resolveName(name) : null;
      if (resolved == null) throw new InvalidArgumentError("typedData", `cannot resolve name ${name}`);
      return resolved;
    });
    // ethers types the resolved value as any; it is `value` with its names resolved, so the same record type.
    const resolvedValue = populated.value as Record<string, unknown>;
    return (await this.#sign(TypedDataEncoder.hash(populated.domain, types, resolvedValue))).serialized;
  }

  async #sign(digestHex: string): Promise<Signature> {
    const sig = await this.#key.signDigest(getBytes(digestHex));
    return Signature.from({ r: sig.r, s: sig.s, v: sig.v });
  }
}
