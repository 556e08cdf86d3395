/**
 * ethers' NonceManager with fewer round trips per transaction, for a bank whose paths wait for
 * their transactions (the consent relay at re-onboarding, the disclosure log at the issuing bank).
 *
 * ethers' own NonceManager counts the nonce itself but then lets the wrapped signer populate the
 * transaction, which asks the chain for the pending nonce again (a read whose answer it throws
 * away) and only then estimates gas and reads the fee data, one after the other. Here the wrapped
 * signer gets the counted nonce, and the gas estimate and the fee data are read at once: one write
 * costs the estimate, the broadcast and the receipt, three round trips instead of five. The
 * estimate stays: a transaction that would revert is refused with its reason before it is sent.
 *
 * On a chain without EIP-1559 fees (no base fee) the fee fields are left to ethers, as before.
 */
import { NonceManager, type TransactionRequest, type TransactionResponse } from "ethers";

export class LeanNonceManager extends NonceManager {
  override async sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    const provider = this.signer.provider;
    if (provider === null) return super.sendTransaction(tx);
    // Taken and counted in one synchronous step, as ethers does: two sends never share a nonce.
    const noncePromise = this.getNonce("pending");
    this.increment();
    const setsFees =
      tx.type != null ||
      tx.gasPrice != null ||
      tx.maxFeePerGas != null ||
      tx.maxPriorityFeePerGas != null ||
      tx.authorizationList != null;
    // The estimate is made without a nonce (at the account's next one), as ethers' own signer does.
    const [gasLimit, fees, nonce] = await Promise.all([
      tx.gasLimit ?? this.signer.estimateGas(tx),
      setsFees ? null : provider.getFeeData(),
      noncePromise,
    ]);
    const eip1559 =
      fees !== null && fees.maxFeePerGas !== null && fees.maxPriorityFeePerGas !== null
        ? { type: 2, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas }
        : {};
    const populated = await this.signer.populateTransaction({ ...tx, ...eip1559, gasLimit, nonce });
    return this.signer.sendTransaction(populated);
  }
}
