/**
 * Turns "address in use" from any listener (fastify, libp2p's TCP transport) into one typed error
 * that names the setting and the address, instead of `EADDRINUSE` internals or a stack trace.
 */
import { KycnetError } from "@kycnet/sdk/errors";

export class PortInUseError extends KycnetError {
  constructor(setting: string, address: string, cause: unknown) {
    super("PORT_IN_USE", `${setting}: ${address} is already in use by another process`, {
      details: { setting, address },
      cause,
    });
  }
}

/** True when `error`, or an error it wraps (cause, AggregateError), is EADDRINUSE. */
export function isAddressInUse(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== "object" || error === null) return false;
  const e = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (e.code === "EADDRINUSE") return true;
  if (typeof e.message === "string" && e.message.includes("EADDRINUSE")) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isAddressInUse(inner, depth + 1))) return true;
  return isAddressInUse(e.cause, depth + 1);
}

/** Runs a listener's start; "address in use" becomes PortInUseError naming `setting` and `address`. */
export async function listening<T>(setting: string, address: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (isAddressInUse(error)) throw new PortInUseError(setting, address, error);
    throw error;
  }
}
