/**
 * The consortium's addresses file `{ consortium, attestations, consents, chainId?, fromBlock? }`:
 * written at deployment, read by nodes' config generator, auditors (`kycnet audit --addresses`) and
 * customers' apps. One parser, one set of rules, for every reader:
 * - the three contract addresses are required; each is 0x + 40 hex, and a mixed-case address must carry
 *   a valid EIP-55 checksum (a wrong one is a typo, not something to guess around); they come back
 *   checksummed;
 * - `chainId` (optional): a positive integer, as a JSON number or a decimal/0x string; a reader connected
 *   to another chain refuses the file;
 * - `fromBlock` (optional): the deployment block, where event searches start;
 * - any other key is refused, so a misspelt `chainID` cannot silently switch the chain check off.
 * Every failure is an INVALID_ARGUMENT naming the key (`addresses.consents`).
 */
import { getAddress } from "ethers";
import { InvalidArgumentError } from "../errors.ts";
import type { Hex } from "../protocol/bytes.ts";

export interface KycnetAddresses {
  readonly consortium: Hex;
  readonly attestations: Hex;
  readonly consents: Hex;
}

/** An addresses file may name its chain; then a connection to another chain is refused. */
export interface AddressesFile extends KycnetAddresses {
  readonly chainId?: bigint;
  /** The deployment block: event searches start there. */
  readonly fromBlock?: number;
}

const CONTRACT_KEYS = ["consortium", "attestations", "consents"] as const;
const OPTIONAL_KEYS = ["chainId", "fromBlock"] as const;
const MAX_ADDRESSES_FILE = 64 * 1024;

/** Parses the text of an addresses file (at most 64 KiB of JSON). */
export function parseAddresses(text: string, source = "addresses"): AddressesFile {
  if (typeof text !== "string") throw new InvalidArgumentError(source, "must be JSON text");
  if (text.length > MAX_ADDRESSES_FILE) throw new InvalidArgumentError(source, "file too large");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new InvalidArgumentError(source, "not JSON", { cause });
  }
  return addressesFromJson(doc, source);
}

/** The same rules over a value already parsed from JSON. */
export function addressesFromJson(doc: unknown, source = "addresses"): AddressesFile {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new InvalidArgumentError(source, "must be a JSON object");
  }
  const d = doc as Record<string, unknown>;
  const allowed: readonly string[] = [...CONTRACT_KEYS, ...OPTIONAL_KEYS];
  for (const key of Object.keys(d)) {
    if (!allowed.includes(key)) {
      throw new InvalidArgumentError(`${source}.${key}`, `unknown key (allowed: ${allowed.join(", ")})`);
    }
  }
  const [consortium, attestations, consents] = CONTRACT_KEYS.map((key) => contractAddress(d[key], `${source}.${key}`));
  const chainId = d.chainId === undefined ? undefined : positiveChainId(d.chainId, `${source}.chainId`);
  const fromBlock = d.fromBlock === undefined ? undefined : blockNumber(d.fromBlock, `${source}.fromBlock`);
  return Object.freeze({
    consortium: consortium!,
    attestations: attestations!,
    consents: consents!,
    ...(chainId === undefined ? {} : { chainId }),
    ...(fromBlock === undefined ? {} : { fromBlock }),
  });
}

function contractAddress(value: unknown, field: string): Hex {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new InvalidArgumentError(field, "must be a 20-byte address as 0x-prefixed hex");
  }
  try {
    // getAddress checks the EIP-55 checksum of a mixed-case address and checksums an all-lower/upper one.
    return getAddress(value) as Hex;
  } catch (cause) {
    throw new InvalidArgumentError(field, "has a wrong EIP-55 checksum", { cause });
  }
}

function blockNumber(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(field, "must be a block number");
  }
  return value;
}

function positiveChainId(value: unknown, field: string): bigint {
  const ok =
    (typeof value === "number" && Number.isSafeInteger(value) && value > 0) ||
    (typeof value === "string" && /^(0x[0-9a-fA-F]{1,16}|\d{1,20})$/.test(value) && BigInt(value) > 0n);
  if (!ok) throw new InvalidArgumentError(field, "must be a positive integer");
  return BigInt(value);
}
