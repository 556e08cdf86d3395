/**
 * Small readers for hostile JSON input: each checks one value's type and bounds and throws a
 * ProductionInputError naming its path. No reader trusts a length it has not checked, so a huge or
 * oddly shaped file fails fast instead of allocating.
 */
import { getAddress, isHexString } from "ethers";
import { ProductionInputError } from "./errors.ts";

export type Json = unknown;
export type JsonObject = Readonly<Record<string, Json>>;

const fail = (field: string, reason: string): never => {
  throw new ProductionInputError("PRODUCTION_INPUT_INVALID", field, reason);
};

export function object(value: Json, field: string, allowed: readonly string[]): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return fail(field, "must be an object");
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      fail(field === "" ? key : `${field}.${key}`, `unknown setting (allowed: ${allowed.join(", ")})`);
  }
  return value as JsonObject;
}

export function array(value: Json, field: string, min: number, max: number): readonly Json[] {
  if (!Array.isArray(value)) return fail(field, "must be an array");
  if (value.length < min || value.length > max) {
    throw new ProductionInputError(
      "VALUE_OUT_OF_RANGE",
      field,
      `must hold ${min} to ${max} entries, has ${value.length}`,
    );
  }
  return value;
}

export function string(value: Json, field: string, pattern: RegExp, what: string, maxLength = 256): string {
  if (typeof value !== "string") return fail(field, `must be a string (${what})`);
  if (value.length === 0 || value.length > maxLength || !pattern.test(value)) return fail(field, `must be ${what}`);
  return value;
}

export function integer(value: Json, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) return fail(field, "must be an integer");
  if (value < min || value > max)
    throw new ProductionInputError("VALUE_OUT_OF_RANGE", field, `must be between ${min} and ${max}, is ${value}`);
  return value;
}

export function boolean(value: Json, field: string): boolean {
  if (typeof value !== "boolean") return fail(field, "must be true or false");
  return value;
}

export function optional<T>(value: Json, read: (v: Json) => T): T | undefined {
  return value === undefined ? undefined : read(value);
}

/** A 20-byte address, returned checksummed; a wrong mixed-case checksum is an error, not a guess. */
export function address(value: Json, field: string): string {
  const text = string(value, field, /^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte address", 42);
  try {
    return getAddress(text);
  } catch {
    return fail(field, "has a wrong EIP-55 checksum");
  }
}

/** 0x-hex of an exact or bounded byte length. */
export function hexBytes(value: Json, field: string, minBytes: number, maxBytes: number): string {
  const text = string(value, field, /^0x([0-9a-fA-F]{2})+$/, "0x-prefixed hex bytes", 2 + maxBytes * 2);
  if (!isHexString(text) || (text.length - 2) / 2 < minBytes)
    return fail(field, `must be ${minBytes} to ${maxBytes} bytes of 0x-hex`);
  return text.toLowerCase();
}

/** Decimal wei as a string (JSON numbers lose precision past 2^53). */
export function weiAmount(value: Json, field: string): bigint {
  const text = string(value, field, /^[0-9]{1,40}$/, "a decimal amount of wei as a string", 40);
  const amount = BigInt(text);
  if (amount >= 1n << 256n) throw new ProductionInputError("VALUE_OUT_OF_RANGE", field, "must be below 2^256");
  return amount;
}

/** A DNS name or an IPv4 address: what goes into enode URLs, TOML files and multiaddrs. */
export const HOST =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
export const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function host(value: Json, field: string): string {
  return string(value, field, HOST, "a host name or IPv4 address", 253);
}

export function ipv4(value: Json, field: string): string {
  return string(value, field, IPV4, "an IPv4 address", 15);
}

export function port(value: Json, field: string): number {
  return integer(value, field, 1, 65535);
}
