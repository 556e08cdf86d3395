/** Typed errors of read-only chain access (auditor, customer history, the audit CLI). */
import { KycnetError } from "../errors.ts";

/** The JSON-RPC endpoint did not answer (down, wrong URL, timeout). */
export class ChainUnreachableError extends KycnetError {
  constructor(url: string, options: { cause?: unknown } = {}) {
    super("CHAIN_UNREACHABLE", `no JSON-RPC answer from ${url}`, { details: { url }, ...options });
  }
}

/** An address of the addresses file holds no contract on this chain: wrong chain or wrong file. */
export class ContractsNotFoundError extends KycnetError {
  constructor(name: string, address: string, chainId: bigint) {
    super(
      "CONTRACTS_NOT_FOUND",
      `no ${name} contract at ${address} on chain ${chainId}: wrong chain or wrong addresses file`,
      {
        details: { name, address, chainId: chainId.toString() },
      },
    );
  }
}

export class ConsentNotFoundError extends KycnetError {
  constructor(consentId: string) {
    super("CONSENT_NOT_FOUND", `no consent ${consentId} on this chain`, { details: { consentId } });
  }
}

/** The addresses file names another chain than the endpoint serves. */
export class WrongChainError extends KycnetError {
  constructor(expected: bigint, actual: bigint) {
    super("WRONG_CHAIN", `the addresses are for chain ${expected}, the RPC endpoint serves chain ${actual}`, {
      details: { expected: expected.toString(), actual: actual.toString() },
    });
  }
}
