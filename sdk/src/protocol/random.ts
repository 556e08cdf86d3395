/**
 * The one source of randomness for salts, subject keys and nonces: Web Crypto's
 * `crypto.getRandomValues`, which Node (≥ 19, as `globalThis.crypto`), every browser and React Native
 * (with the `react-native-get-random-values` polyfill) provide. No `node:crypto`, so the customer and
 * auditor entry points bundle for a browser or a phone unchanged.
 */
import { KycnetError } from "../errors.ts";

/** The platform has no cryptographically secure random source (React Native without its polyfill). */
export class RandomSourceUnavailableError extends KycnetError {
  constructor() {
    super(
      "RANDOM_SOURCE_UNAVAILABLE",
      "no crypto.getRandomValues on this platform: in React Native, import 'react-native-get-random-values' first",
    );
  }
}

/** `length` bytes from the platform's CSPRNG (never Math.random: a guessable salt or key is worthless). */
export function secureRandomBytes(length: number): Uint8Array {
  // Typed by hand: the SDK compiles without the DOM library, and the platform may lack the property.
  const source = (globalThis as { crypto?: { getRandomValues?: <T extends Uint8Array>(array: T) => T } }).crypto;
  if (typeof source?.getRandomValues !== "function") throw new RandomSourceUnavailableError();
  // getRandomValues fills at most 65536 bytes per call; every caller here asks for 32.
  return source.getRandomValues(new Uint8Array(length));
}
