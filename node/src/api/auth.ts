/**
 * API-key authentication and role checks.
 *
 * Keys are 32 random bytes (base64url, prefixed `kyc_`) handed to one operator, reviewer or auditor
 * each. The node's config holds only the SHA-256 of each key, so a leaked config or backup does not
 * leak a usable key. A fast hash is right here, unlike for passwords: a 256-bit random key cannot be
 * guessed, so the slow, salted hashes (bcrypt, scrypt, argon2) that protect low-entropy passwords
 * add nothing but cost — about 100 ms of CPU per request, which would cap the API far below its read
 * target and hand anyone with a bad key a cheap CPU-exhaustion lever (bcrypt also truncates at 72 bytes).
 *
 * The presented key is hashed and compared against every configured hash with `timingSafeEqual`,
 * without stopping at the first match, so response time says nothing about which bytes matched.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { UnauthenticatedError } from "./errors.ts";
import type { Role } from "../onboarding/ports.ts";

export const ROLES: readonly Role[] = ["operator", "reviewer", "auditor", "core-banking"];

export interface ApiKeyEntry {
  /** Names the holder in audit entries and rate limits (e.g. "ops-hanoi-1"). */
  readonly id: string;
  readonly role: Role;
  /** Lower-case hex SHA-256 of the key as the client sends it. */
  readonly sha256: string;
}

export interface Principal {
  readonly keyId: string;
  readonly role: Role;
}

const KEY_PREFIX = "kyc_";
const MIN_KEY_LENGTH = 32;
const MAX_KEY_LENGTH = 256;

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** A fresh key and the entry to put in the node's config. */
export function generateApiKey(id: string, role: Role): { key: string; entry: ApiKeyEntry } {
  const key = `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { key, entry: { id, role, sha256: hashApiKey(key) } };
}

/** Validates configured keys once at start-up: unique ids and hashes, known roles, well-formed hashes. */
export function validateApiKeys(entries: readonly ApiKeyEntry[]): void {
  const ids = new Set<string>();
  const hashes = new Set<string>();
  entries.forEach((entry, i) => {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(entry.id))
      throw new InvalidArgumentError(`apiKeys[${i}].id`, "must be 1-64 of A-Z a-z 0-9 . _ -");
    if (!ROLES.includes(entry.role))
      throw new InvalidArgumentError(`apiKeys[${i}].role`, `must be one of ${ROLES.join(", ")}`);
    if (!/^[0-9a-f]{64}$/.test(entry.sha256))
      throw new InvalidArgumentError(`apiKeys[${i}].sha256`, "must be 64 lower-case hex digits");
    if (ids.has(entry.id)) throw new InvalidArgumentError(`apiKeys[${i}].id`, "duplicate key id");
    if (hashes.has(entry.sha256)) throw new InvalidArgumentError(`apiKeys[${i}].sha256`, "duplicate key hash");
    ids.add(entry.id);
    hashes.add(entry.sha256);
  });
}

export class ApiKeyVerifier {
  private readonly entries: readonly { readonly principal: Principal; readonly digest: Buffer }[];

  constructor(entries: readonly ApiKeyEntry[]) {
    validateApiKeys(entries);
    this.entries = entries.map((e) => ({
      principal: { keyId: e.id, role: e.role },
      digest: Buffer.from(e.sha256, "hex"),
    }));
  }

  /** The principal for an `Authorization` header value; throws UnauthenticatedError otherwise. */
  authenticate(authorization: string | undefined): Principal {
    if (authorization === undefined || authorization === "")
      throw new UnauthenticatedError("missing Authorization header");
    const match = /^Bearer ([\x21-\x7e]+)$/.exec(authorization);
    if (!match) throw new UnauthenticatedError("Authorization must be 'Bearer <api key>'");
    const key = match[1]!;
    if (key.length < MIN_KEY_LENGTH || key.length > MAX_KEY_LENGTH) throw new UnauthenticatedError("invalid API key");
    const digest = createHash("sha256").update(key, "utf8").digest();
    let found: Principal | undefined;
    for (const entry of this.entries) {
      // No early exit: every entry is compared, whether or not one already matched.
      if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry.principal;
    }
    if (found === undefined) throw new UnauthenticatedError("invalid API key");
    return found;
  }
}
