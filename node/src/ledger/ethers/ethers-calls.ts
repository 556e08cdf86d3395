/**
 * How the ethers ledger talks to the chain: reads with typed errors, "not found" reverts as null,
 * writes broadcast one at a time and waited for, and "now" as the latest block's time. The
 * contract mapping (ethers-ledger.ts) is built on these and never calls ethers' transport itself.
 */
import { NonceManager, type ContractTransactionResponse, type Provider, type Signer } from "ethers";
import type { Hex } from "@kycnet/sdk/protocol";
import { KycnetError } from "@kycnet/sdk/errors";
import { ReadOnlyLedgerError, isRevert, toLedgerError } from "../errors.ts";
import type { TxInfo } from "../ledger-client.ts";

export const isSigner = (runner: Signer | Provider): runner is Signer => "signTransaction" in runner;

export class LedgerTxFailedError extends KycnetError {
  constructor(operation: string, txHash: string) {
    super("LEDGER_TX_FAILED", `transaction for ${operation} was not mined successfully`, {
      details: { operation, txHash },
    });
  }
}

/** A mined transaction with its logs. */
export type MinedTx = TxInfo & { logs: readonly unknown[] };

export function createChainCalls(runner: Signer | Provider, provider: Provider, confirmations: number) {
  const signer = (operation: string): Signer => {
    if (!isSigner(runner)) throw new ReadOnlyLedgerError(operation);
    return runner;
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

  const broadcast = createBroadcaster();

  const send = async (operation: string, call: () => Promise<ContractTransactionResponse>): Promise<MinedTx> => {
    signer(operation);
    try {
      // ethers' NonceManager (the node's signer) counts a nonce before estimating gas, so a
      // revert found by the estimate (BatchAlreadyAnchored on an outbox retry, ...) leaves a gap
      // and every later transaction of this account waits forever behind it. Found by running
      // the compliance suite with NonceManager signers (test/e2e/anvil.test.ts): re-read the
      // nonce from the chain when nothing was sent.
      const tx = await broadcast(call, () => {
        if (runner instanceof NonceManager) runner.reset();
      });
      const receipt = await tx.wait(confirmations);
      if (receipt === null || receipt.status !== 1) throw new LedgerTxFailedError(operation, tx.hash);
      return {
        txHash: receipt.hash as Hex,
        blockNumber: receipt.blockNumber,
        gasUsed: receipt.gasUsed,
        logs: receipt.logs,
      };
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

  return { signer, read, readOrNull, send, now };
}

export type ChainCalls = ReturnType<typeof createChainCalls>;

export function strip(tx: MinedTx): TxInfo {
  return { txHash: tx.txHash, blockNumber: tx.blockNumber, gasUsed: tx.gasUsed };
}

/**
 * Transactions of this account are prepared and broadcast one at a time (waiting for receipts
 * is not serialised): a nonce is then never handed out while another send is between counting
 * its nonce and broadcasting, so resetting the NonceManager after a failed send is safe even
 * when the outbox, disclosures and revocations write at once.
 */
function createBroadcaster() {
  let broadcasting: Promise<unknown> = Promise.resolve();
  type Send = () => Promise<ContractTransactionResponse>;
  return (call: Send, onFailure: () => void): Promise<ContractTransactionResponse> => {
    const next = broadcasting.then(() =>
      call().catch((error: unknown) => {
        onFailure();
        throw error;
      }),
    );
    broadcasting = next.catch(() => undefined);
    return next;
  };
}
