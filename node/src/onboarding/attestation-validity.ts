/**
 * How long an attestation is valid on chain: from policy only, never from the card or the person
 * (issue 18 item 1). A card's expiry is a birthday in disguise (a CCCD expires on the holder's
 * 25th, 40th or 60th birthday), so it stays inside the salted commitments and the relying bank
 * checks it at reuse (reuse.ts); the chain gets the decision time plus the configured period,
 * rounded down to the start of a UTC month, so every attestation issued in the same month with the
 * same policy carries the same `expiresAt` and no per-person instant.
 */

/** The shortest period for which rounding down to a month start still leaves the expiry after issuance. */
export const MIN_VALIDITY_SECONDS = 31 * 86_400;

/** The start (00:00:00 UTC on the 1st) of the UTC month `unixSeconds` falls in. */
export function startOfUtcMonth(unixSeconds: bigint): bigint {
  const at = new Date(Number(unixSeconds) * 1000);
  return BigInt(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1) / 1000);
}

/**
 * The on-chain `expiresAt` of an attestation issued at `issuedAt`: the start of the UTC month in
 * which `issuedAt + periodSeconds` falls (rounded down, so validity never exceeds the policy).
 * A REUSE attestation passes its source's on-chain `expiresAt` as `cap`: a verification built on
 * another bank's never outlives that bank's own. The cap is rounded down to a month start too, so
 * even a source anchored before this rule (expiry = card expiry) never has its instant copied; a
 * month start names the cohort of every attestation issued that month, not the source.
 * Null when the capped expiry would not be after `issuedAt` (a source in its last month).
 */
export function policyExpiresAt(issuedAt: bigint, periodSeconds: number, cap: bigint | null = null): bigint | null {
  if (!Number.isSafeInteger(periodSeconds) || periodSeconds < MIN_VALIDITY_SECONDS)
    throw new RangeError(`attestation validity must be at least ${MIN_VALIDITY_SECONDS} seconds`);
  const ownExpiry = startOfUtcMonth(issuedAt + BigInt(periodSeconds));
  const capped = cap === null ? ownExpiry : startOfUtcMonth(cap);
  const expiresAt = capped < ownExpiry ? capped : ownExpiry;
  return expiresAt > issuedAt ? expiresAt : null;
}
