/**
 * LedgerClient over ethers v6 and JSON-RPC. Works with any EVM chain (Hardhat/EDR in
 * development, Besu/QBFT in production) and any ethers Signer (the PKCS#11 HSM signer in
 * production). Reads with no explicit time use the latest block's timestamp, not the local clock,
 * so status agrees with what the contracts would decide in the next block. Give it a provider
 * made by ../provider.ts (no request cache), or reads may not see this client's own writes.
 */
import { Contract, NonceManager, type ContractRunner, type ContractTransactionResponse, type Provider, type Signer } from "ethers";
import {
  AttestationStatus, ConsentStatus, MAX_BATCH_SIZE, assertAddress, attestationUid, buildBatch, consentIdOf, nameOf,
  type AttestationData, type AttestationProof, type AttestationStatusName, type ConsentGrant, type ConsentRevocation,
  type ConsentStatusName, type Hex, type RevocationReasonCode,
} from "@kycnet/sdk/protocol";
import { InvalidArgumentError, KycnetError } from "@kycnet/sdk/errors";
import { AttestationRegistryAbi, ConsentRegistryAbi, ConsortiumRegistryAbi } from "@kycnet/sdk/chain";
import { ReadOnlyLedgerError, isRevert, toLedgerError } from "../errors.ts";
import type { AnchoredBatch, ContractAddresses, ConsentRecord, LedgerClient, MemberInfo, TxInfo } from "../ledger-client.ts";
import { consentFromResult, grantTuple, memberFromResult, proofTuple, revocationTuple, attestationTuple } from "./abi-codec.ts";

export interface EthersLedgerOptions {
  /** A Signer for writes; a bare Provider gives a read-only client (auditors). */
  readonly runner: Signer | Provider;
  readonly addresses: ContractAddresses;
  /** Blocks to wait for after a write (1 on an instant-finality chain such as QBFT). */
  readonly confirmations?: number;
}

const isSigner = (runner: Signer | Provider): runner is Signer => "signTransaction" in runner;

export async function createEthersLedger(options: EthersLedgerOptions): Promise<LedgerClient> {
  const runner: ContractRunner = options.runner;
  const provider = isSigner(options.runner) ? options.runner.provider : options.runner;
  if (provider === null) throw new InvalidArgumentError("runner", "the signer must be connected to a provider");
  // Fail at start-up, not at the first customer, when an address holds no contract.
  for (const [name, address] of Object.entries(options.addresses)) {
    const code = await provider.getCode(address).catch((error: unknown) => { throw toLedgerError("getCode", error); });
    if (code === "0x") throw new InvalidArgumentError(`addresses.${name}`, `no contract at ${address}`);
  }
  const consortium = new Contract(options.addresses.consortium, ConsortiumRegistryAbi, runner);
  const attestations = new Contract(options.addresses.attestations, AttestationRegistryAbi, runner);
  const consents = new Contract(options.addresses.consents, ConsentRegistryAbi, runner);
  const confirmations = options.confirmations ?? 1;
  let cachedChainId: bigint | undefined;

  const chainId = async (): Promise<bigint> => (cachedChainId ??= (await provider.getNetwork()).chainId);

  const signer = (operation: string): Signer => {
    if (!isSigner(options.runner)) throw new ReadOnlyLedgerError(operation);
    return options.runner;
  };

  const read = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw toLedgerError(operation, error);
    }
  };

  /** A read whose "not found" is the custom error `notFound`: null instead of an error. */
  const readOrNull = async <T>(operation: string, notFound: string, call: () => Promise<T>): Promise<T | null> => {
    try {
      return await call();
    } catch (error) {
      const typed = toLedgerError(operation, error);
      if (isRevert(typed, notFound)) return null;
      throw typed;
    }
  };

  // Transactions of this account are prepared and broadcast one at a time (waiting for receipts
  // is not serialised): a nonce is then never handed out while another send is between counting
  // its nonce and broadcasting, so resetting the NonceManager after a failed send is safe even
  // when the outbox, disclosures and revocations write at once.
  let broadcasting: Promise<unknown> = Promise.resolve();
  const broadcast = (call: () => Promise<ContractTransactionResponse>, onFailure: () => void): Promise<ContractTransactionResponse> => {
    const next = broadcasting.then(() => call().catch((error: unknown) => {
      onFailure();
      throw error;
    }));
    broadcasting = next.catch(() => undefined);
    return next;
  };

  const send = async (operation: string, call: () => Promise<ContractTransactionResponse>): Promise<TxInfo & { logs: readonly unknown[] }> => {
    signer(operation);
    try {
      // ethers' NonceManager (the node's signer) counts a nonce before estimating gas, so a
      // revert found by the estimate (BatchAlreadyAnchored on an outbox retry, ...) leaves a gap
      // and every later transaction of this account waits forever behind it. Found by running
      // the compliance suite with NonceManager signers (test/e2e/anvil.test.ts): re-read the
      // nonce from the chain when nothing was sent.
      const tx = await broadcast(call, () => {
        if (options.runner instanceof NonceManager) options.runner.reset();
      });
      const receipt = await tx.wait(confirmations);
      if (receipt === null || receipt.status !== 1) throw new LedgerTxFailedError(operation, tx.hash);
      return { txHash: receipt.hash as Hex, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, logs: receipt.logs };
    } catch (error) {
      throw toLedgerError(operation, error);
    }
  };

  // "Now" is the latest block's time, so a status agrees with what the contracts decide.
  const now = async (at?: bigint): Promise<bigint> => {
    if (at !== undefined) return at;
    const block = await read("getBlock", () => provider.getBlock("latest"));
    if (block === null) throw toLedgerError("getBlock", new Error("no latest block"));
    return BigInt(block.timestamp);
  };

  const account = async (): Promise<Hex> => (await signer("account").getAddress()) as Hex;

  return {
    addresses: options.addresses,
    chainId,
    account,

    // An address that is not 20 bytes of hex would be taken by ethers for an ENS name and fail as
    // an "unreachable chain": check it as the bad input it is.
    isActiveMember: async (address) => {
      assertAddress(address, "account");
      return read("isActiveMember", () => consortium.getFunction("isActiveMember")(address) as Promise<boolean>);
    },
    findMember: async (address) => {
      assertAddress(address, "account");
      return memberFromResult(await readOrNull("memberOf", "UnknownMember", () => consortium.getFunction("memberOf")(address)));
    },
    findMemberByPeerId: async (peerId): Promise<MemberInfo | null> =>
      memberFromResult(await readOrNull("memberByPeerId", "NoSuchPeerId", () => consortium.getFunction("memberByPeerId")(peerId))),

    async anchorBatch(batch: readonly AttestationData[]): Promise<AnchoredBatch> {
      if (batch.length === 0 || batch.length > MAX_BATCH_SIZE) {
        throw new InvalidArgumentError("batch", `must hold 1 to ${MAX_BATCH_SIZE} attestations`);
      }
      const issuer = await account();
      const context = { chainId: await chainId(), registry: options.addresses.attestations };
      let uids: Hex[];
      try {
        uids = batch.map((data) => attestationUid(context, issuer, data));
      } catch (error) {
        throw toLedgerError("anchor", error); // a value the ABI cannot carry: INVALID_ARGUMENT
      }
      const tree = buildBatch(uids);
      const tx = await send("anchor", () => attestations.getFunction("anchor")(batch.map(attestationTuple)));
      return {
        ...strip(tx), batchRoot: tree.root, uids,
        proofs: batch.map((data, i) => Object.freeze({ issuer, data, batchRoot: tree.root, proof: tree.proofOf(i) })),
      };
    },

    revokeAttestation: async (attestation, reason: RevocationReasonCode) =>
      strip(await send("revoke", () => attestations.getFunction("revoke")(proofTuple(attestation), reason))),

    async attestationStatus(attestation: AttestationProof, at?: bigint): Promise<AttestationStatusName> {
      const t = await now(at);
      const code = await read("statusOf", () => attestations.getFunction("statusOf")(proofTuple(attestation), t) as Promise<bigint>);
      return nameOf(AttestationStatus, Number(code)) ?? "UNKNOWN";
    },

    async grantConsentBySig(grant: ConsentGrant, attestation: AttestationProof, signature: string) {
      const tx = await send("grantBySig", () =>
        consents.getFunction("grantBySig")(grantTuple(grant), proofTuple(attestation), signature));
      return { ...strip(tx), consentId: consentIdOf(grant) };
    },

    revokeConsentBySig: async (revocation: ConsentRevocation, signature: string) =>
      strip(await send("revokeBySig", () => consents.getFunction("revokeBySig")(revocationTuple(revocation), signature))),

    async consentStatus(consentId: Hex, at?: bigint): Promise<ConsentStatusName> {
      const t = await now(at);
      const code = await read("statusAt", () => consents.getFunction("statusAt")(consentId, t) as Promise<bigint>);
      return nameOf(ConsentStatus, Number(code)) ?? "NONE";
    },

    findConsent: async (consentId: Hex): Promise<ConsentRecord | null> =>
      consentFromResult(consentId, await readOrNull("getConsent", "UnknownConsent", () => consents.getFunction("getConsent")(consentId))),

    recordDisclosure: async (consentId: Hex, fieldMask: number, requestId: Hex) =>
      strip(await send("recordDisclosure", () => consents.getFunction("recordDisclosure")(consentId, fieldMask, requestId))),
  };
}

function strip(tx: TxInfo & { logs: readonly unknown[] }): TxInfo {
  return { txHash: tx.txHash, blockNumber: tx.blockNumber, gasUsed: tx.gasUsed };
}

export class LedgerTxFailedError extends KycnetError {
  constructor(operation: string, txHash: string) {
    super("LEDGER_TX_FAILED", `transaction for ${operation} was not mined successfully`, { details: { operation, txHash } });
  }
}
