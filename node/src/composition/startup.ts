/**
 * Startup in named steps. A step that fails closes everything earlier steps opened, newest first,
 * so a node that cannot start leaves no HSM session, socket or LevelDB lock behind.
 */
import { KycnetError } from "@kycnet/sdk/errors";
import type { Logger } from "../observability/logger.ts";

export class NodeStartError extends KycnetError {
  constructor(component: string, cause: unknown) {
    super("NODE_START_FAILED", `could not start ${component}: ${reasonOf(cause)}`, { details: { component }, cause });
  }
}

/**
 * The cause in one line, so the operator sees what failed (Node's file errors name the path:
 * "ENOENT: no such file or directory, open '/etc/kycnet/un.xml'"). Coded errors never get here
 * (they pass through unchanged), so this is a library's or the OS's message, capped in length.
 */
function reasonOf(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  const line = text.split("\n")[0]!.trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line || "unknown error";
}

export interface Startup {
  /** Runs one step; on failure closes what is open and rethrows (uncoded errors as NODE_START_FAILED). */
  step<T>(component: string, build: () => Promise<T>): Promise<T>;
  /** Registers how to close something just opened; closed in reverse order of registration. */
  onClose(close: () => Promise<void>): void;
  /** Closes everything registered, newest first; a failing close is reported and the rest still run. */
  closeAll(onError: (error: unknown) => void): Promise<void>;
}

export function createStartup(logger: Logger): Startup {
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async (onError: (error: unknown) => void) => {
    while (closers.length > 0) await closers.pop()!().catch(onError);
  };
  return {
    async step(component, build) {
      logger.info({ component }, "starting");
      try {
        return await build();
      } catch (error) {
        await closeAll(() => undefined);
        throw error instanceof KycnetError ? error : new NodeStartError(component, error);
      }
    },
    onClose: (close) => void closers.push(close),
    closeAll,
  };
}
