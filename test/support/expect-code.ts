/**
 * Asserts that `promise` rejects with a KycnetError of `code`, and returns that error. `code` is any
 * string: fixtures and the production scripts throw codes of their own (KycnetError<string>).
 */
import { expect } from "chai";
import { KycnetError } from "@kycnet/sdk/errors";

export async function expectCode(promise: Promise<unknown>, code: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error instanceof KycnetError && error.code === code, `expected ${code}, got ${String(error)}`).to.equal(
      true,
    );
    return error as Error;
  }
  throw new Error(`expected a rejection with ${code}`);
}

/**
 * The KycnetError code a call fails with (`untyped: …` for any other error), or undefined when it
 * succeeds: for assertions that compare codes, e.g. `expect(await codeOf(p)).to.equal("X")`.
 */
export async function codeOf(call: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof call === "function" ? call() : call);
  } catch (error) {
    return error instanceof KycnetError ? String(error.code) : `untyped: ${String(error)}`;
  }
  return undefined;
}
