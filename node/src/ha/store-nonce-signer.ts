/**
 * The bank's transaction signer when several instances of its node share one vault on PostgreSQL:
 * nonces are handed out by the vault, not by a counter in one process (ethers' NonceManager).
 *
 * Each send runs under the store's `nonce` lock (on PostgreSQL an advisory lock that holds across
 * instances), reads the next nonce (the larger of the chain's pending count and the vault's
 * counter), signs with the HSM, and logs the signed transaction with the counter in the same
 * transaction. Only after that commit is it broadcast. So:
 * - two instances never broadcast two transactions with one nonce: a second signature for a nonce
 *   can only come from a build whose commit failed (its lock holder lost the database), and such a
 *   signed transaction is dropped, never broadcast;
 * - a transaction logged by an instance that died before broadcasting it is broadcast by the next
 *   send of any instance (the chain's pending count is then below the counter), so the account
 *   never stalls behind a nonce gap;
 * - logged transactions the chain has counted are deleted by the next send.
 * Any instance may send (anchoring from the leader, revocations from whichever instance took the
 * request); the lock serialises them.
 */
import {
  AbstractSigner,
  Transaction,
  type Provider,
  type TransactionLike,
  type TransactionRequest,
  type TransactionResponse,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import type { RecordStore, StoredValue, WriteOp } from "../vault/store/record-store.ts";

export const NONCE_LOCK = "nonce";
const NEXT_KEY = "nonce/next";
const SENT = "nonce/sent/";
const sentKey = (nonce: number) => `${SENT}${String(nonce).padStart(12, "0")}`;

interface SentTransaction {
  readonly nonce: number;
  readonly hash: string;
  readonly raw: string;
  readonly signedAt: string;
}

export interface StoreNonceSignerOptions {
  /** Heard once per logged (committed) signature, before the broadcast: tests count them. */
  readonly onLogged?: (tx: { nonce: number; hash: string }) => void;
}

export class StoreNonceSigner extends AbstractSigner {
  constructor(
    private readonly inner: AbstractSigner,
    private readonly store: RecordStore,
    provider: Provider | null,
    private readonly options: StoreNonceSignerOptions = {},
  ) {
    super(provider);
  }

  override connect(provider: Provider | null): StoreNonceSigner {
    return new StoreNonceSigner(this.inner.connect(provider), this.store, provider, this.options);
  }

  override getAddress(): Promise<string> {
    return this.inner.getAddress();
  }

  override signTransaction(tx: TransactionRequest): Promise<string> {
    return this.inner.signTransaction(tx);
  }

  override signMessage(message: string | Uint8Array): Promise<string> {
    return this.inner.signMessage(message);
  }

  override signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    return this.inner.signTypedData(domain, types, value);
  }

  override async sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    const provider = this.provider;
    if (provider === null) throw new Error("StoreNonceSigner: no provider to send through");
    const logged = await this.store.writeExclusive(NONCE_LOCK, () => this.signUnderLock(provider, tx));
    this.options.onLogged?.({ nonce: logged.nonce, hash: logged.hash });
    try {
      return await provider.broadcastTransaction(logged.raw);
    } catch (error) {
      // Another instance's send may have re-broadcast it between our commit and this broadcast.
      const known = await provider.getTransaction(logged.hash).catch(() => null);
      if (known !== null) return known;
      throw error;
    }
  }

  private async signUnderLock(provider: Provider, request: TransactionRequest) {
    const address = await this.getAddress();
    const counted = await provider.getTransactionCount(address, "pending");
    const next = ((await this.store.get(NEXT_KEY)) as number | undefined) ?? 0;
    const ops: WriteOp[] = [];
    for await (const [key, value] of this.store.range({ prefix: SENT })) {
      const sent = value as unknown as SentTransaction;
      if (sent.nonce < counted) ops.push({ type: "del", key });
      // Logged by an instance that died before broadcasting it: send it now, or the account stalls.
      else await provider.broadcastTransaction(sent.raw).catch(() => undefined);
    }
    const nonce = Math.max(counted, next);
    // Gas is estimated as ethers does (at the pending nonce); then the nonce is ours.
    const populated: TransactionLike<string> = { ...(await this.populateTransaction(request)), nonce };
    delete populated.from;
    const raw = await this.inner.signTransaction(Transaction.from(populated));
    const sent: SentTransaction = { nonce, hash: Transaction.from(raw).hash!, raw, signedAt: new Date().toISOString() };
    ops.push(
      { type: "put", key: NEXT_KEY, value: nonce + 1 },
      { type: "put", key: sentKey(nonce), value: sent as unknown as StoredValue },
    );
    return { ops, result: sent };
  }
}
