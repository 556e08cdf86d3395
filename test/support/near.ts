/**
 * Float comparison for tests. Not chai's `closeTo`: once any test in the run connects to Hardhat's
 * network, @nomicfoundation/hardhat-ethers-chai-matchers replaces `closeTo` with a bigint version
 * that throws on non-integers, so a float test would pass alone and fail in the full suite.
 */
import { expect } from "chai";

export function expectNear(actual: number | undefined, expected: number, delta: number): void {
  const ok = typeof actual === "number" && Math.abs(actual - expected) <= delta;
  expect(ok, `expected ${actual} to be within ${delta} of ${expected}`).to.equal(true);
}
