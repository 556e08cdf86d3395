/** Asserts that `promise` rejects with a KycnetError of `code`, and returns that error. */
import { expect } from "chai";
import { isKycnetError } from "../../sdk/src/errors.ts";

export async function expectCode(promise: Promise<unknown>, code: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(isKycnetError(error, code), `expected ${code}, got ${String(error)}`).to.equal(true);
    return error as Error;
  }
  throw new Error(`expected a rejection with ${code}`);
}
