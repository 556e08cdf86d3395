/** Small checks for hex values that arrive from outside (JSON, CLI flags, the wire). */
import { InvalidArgumentError } from "../errors.ts";

export type Hex = `0x${string}`;

export function assertBytes32(value: unknown, field: string): asserts value is Hex {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw new InvalidArgumentError(field, "must be 32 bytes as 0x-prefixed hex");
  }
}

export function assertAddress(value: unknown, field: string): asserts value is Hex {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new InvalidArgumentError(field, "must be a 20-byte address as 0x-prefixed hex");
  }
}

export function assertUint(value: unknown, field: string, bits: number): bigint {
  let n: bigint;
  try {
    if (typeof value === "bigint") n = value;
    else if (typeof value === "number" && Number.isSafeInteger(value)) n = BigInt(value);
    else if (typeof value === "string" && /^(0x[0-9a-fA-F]+|\d+)$/.test(value)) n = BigInt(value);
    else throw new Error("not an integer");
  } catch (cause) {
    throw new InvalidArgumentError(field, "must be an unsigned integer", { cause });
  }
  if (n < 0n || n >= 1n << BigInt(bits)) throw new InvalidArgumentError(field, `must fit in uint${bits}`);
  return n;
}
