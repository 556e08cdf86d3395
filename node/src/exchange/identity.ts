/**
 * The node's persistent libp2p identity: an Ed25519 key, created once, stored only sealed under
 * the HSM record key IDENTITY_KEY_ID (KeyManager.sealRecord, record id PEER_KEY_RECORD_ID as AAD), so a
 * copied file or database value is useless without the HSM. Its peer id (binary multihash) is what
 * the bank publishes in ConsortiumRegistry.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import type { Ed25519PrivateKey, PeerId } from "@libp2p/interface";
import { IDENTITY_KEY_ID, type KeyManager, type SealedRecord } from "../custody/key-manager.ts";
import { PeerKeyInvalidError } from "./errors.ts";

export const PEER_KEY_RECORD_ID = "kycnet/libp2p-peer-key/v1";

export interface PeerIdentity {
  readonly privateKey: Ed25519PrivateKey;
  readonly peerId: PeerId;
  /** Binary multihash: the `peerId` bytes to publish on chain. */
  readonly peerIdBytes: Uint8Array;
  /** True when the key was created by this call (publish it on chain). */
  readonly created: boolean;
}

export interface PeerKeyStorage {
  /** The sealed key stored earlier, or null on first start. */
  read(): Promise<SealedRecord | null>;
  write(sealed: SealedRecord): Promise<void>;
}

export interface LoadPeerKeyOptions extends PeerKeyStorage {
  readonly keys: Pick<KeyManager, "sealRecord" | "openRecord">;
}

export function identityOf(privateKey: Ed25519PrivateKey, created = false): PeerIdentity {
  const peerId = peerIdFromPrivateKey(privateKey);
  return Object.freeze({ privateKey, peerId, peerIdBytes: peerId.toMultihash().bytes, created });
}

/** Loads the sealed peer key, or creates, seals and stores one on first start. */
export async function loadOrCreatePeerKey(options: LoadPeerKeyOptions): Promise<PeerIdentity> {
  const { keys } = options;
  const stored = await options.read();
  if (stored !== null) {
    const plaintext = await keys.openRecord(PEER_KEY_RECORD_ID, stored);
    let key;
    try {
      key = privateKeyFromProtobuf(plaintext);
    } catch (cause) {
      throw new PeerKeyInvalidError("not a libp2p private key", { cause });
    } finally {
      plaintext.fill(0);
    }
    if (key.type !== "Ed25519") throw new PeerKeyInvalidError(`expected an Ed25519 key, found ${key.type}`);
    return identityOf(key);
  }
  const key = await generateKeyPair("Ed25519");
  const encoded = privateKeyToProtobuf(key);
  try {
    await options.write(await keys.sealRecord(PEER_KEY_RECORD_ID, encoded, IDENTITY_KEY_ID));
  } finally {
    encoded.fill(0);
  }
  return identityOf(key, true);
}

/** A PeerKeyStorage in one small JSON file (every field of the envelope is safe to store). */
export function peerKeyFile(path: string): PeerKeyStorage {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
  return {
    async read() {
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
      try {
        const json = JSON.parse(text) as Record<string, unknown>;
        const bytes = (name: string): Uint8Array => {
          const value = json[name];
          if (typeof value !== "string") throw new Error(`${name} missing`);
          return new Uint8Array(Buffer.from(value, "base64"));
        };
        if (json.version !== 2 || typeof json.keyId !== "string") throw new Error("unknown envelope");
        return {
          version: 2,
          keyId: json.keyId,
          iv: bytes("iv"),
          ciphertext: bytes("ciphertext"),
          tag: bytes("tag"),
        };
      } catch (cause) {
        throw new PeerKeyInvalidError(`${path} is not a sealed peer key file`, { cause });
      }
    },
    async write(sealed) {
      const json = {
        version: sealed.version,
        keyId: sealed.keyId,
        iv: b64(sealed.iv),
        ciphertext: b64(sealed.ciphertext),
        tag: b64(sealed.tag),
      };
      // Write then rename: a crash never leaves a half-written key file.
      const tmp = `${path}.tmp`;
      await writeFile(tmp, JSON.stringify(json) + "\n", { mode: 0o600 });
      await rename(tmp, path);
    },
  };
}
