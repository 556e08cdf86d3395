/**
 * How an error appears in a log line (the logger's `err` serializer): short, and never carrying
 * what a library attached to it. ethers' errors hold the raw signed transaction (`transaction`,
 * `info.payload`, and again inside `message`), the JSON-RPC payload and the node's whole answer;
 * pino's standard serializer would write all of it, several kilobytes per line, on every retry.
 *
 * - a kycnet error: its type, stable code, message and details (public by design), and its cause;
 *   no stack: it was raised on purpose, the code says where;
 * - an ethers error: its code and short message (plus the node's own one-line reason), nothing else;
 * - anything else (a bug, a library failure): type, message, the top of the stack, and its cause.
 *
 * Every message is cut at MAX_MESSAGE characters and any hex string longer than 64 bytes (a raw
 * transaction, calldata, a key blob) is replaced by its length; hashes and addresses stay readable.
 */
import { KycnetError } from "@kycnet/sdk/errors";

const MAX_MESSAGE = 240;
const MAX_STACK_FRAMES = 8;
const MAX_CAUSE_DEPTH = 3;
const LONG_HEX = /0x[0-9a-fA-F]{129,}/g;

export interface LoggedError {
  readonly type: string;
  readonly code?: string;
  readonly message: string;
  readonly reason?: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly stack?: string;
  readonly cause?: LoggedError;
}

/** `text` with long hex blobs replaced by their size, cut to `max` characters. */
export function scrub(text: string, max = MAX_MESSAGE): string {
  const short = text.replace(LONG_HEX, (hex) => `0x…(${(hex.length - 2) / 2} bytes)`);
  return short.length <= max ? short : `${short.slice(0, max - 1)}…`;
}

interface EthersLike {
  code: string;
  shortMessage: string;
  reason?: unknown;
  info?: { error?: { message?: unknown } };
}

const isEthersError = (value: object): value is EthersLike =>
  typeof (value as { shortMessage?: unknown }).shortMessage === "string" &&
  typeof (value as { code?: unknown }).code === "string";

export function serializeError(error: unknown, depth = 0): LoggedError {
  if (typeof error !== "object" || error === null) return { type: typeof error, message: scrub(String(error)) };
  const cause = depth < MAX_CAUSE_DEPTH ? (error as { cause?: unknown }).cause : undefined;
  const withCause = cause === undefined ? {} : { cause: serializeError(cause, depth + 1) };
  if (error instanceof KycnetError) {
    const details = Object.keys(error.details).length === 0 ? {} : { details: scrubDetails(error.details) };
    const code: string = (error as KycnetError<string>).code;
    return { type: error.name, code, message: scrub(error.message), ...details, ...withCause };
  }
  if (isEthersError(error)) {
    // The node's own message ("nonce too low", "execution reverted: ...") is the useful part of `info`.
    const rpc = error.info?.error?.message;
    const reason = typeof error.reason === "string" ? error.reason : typeof rpc === "string" ? rpc : undefined;
    return {
      type: "EthersError",
      code: error.code,
      message: scrub(error.shortMessage),
      ...(reason === undefined ? {} : { reason: scrub(reason) }),
    };
  }
  const e = error as { name?: unknown; message?: unknown; code?: unknown; stack?: unknown };
  const stack =
    typeof e.stack === "string"
      ? scrub(
          e.stack
            .split("\n")
            .slice(1, MAX_STACK_FRAMES + 1)
            .join("\n"),
          2000,
        )
      : undefined;
  return {
    type: typeof e.name === "string" ? e.name : "Error",
    ...(typeof e.code === "string" || typeof e.code === "number" ? { code: String(e.code) } : {}),
    message: scrub(typeof e.message === "string" ? e.message : "(no message)"),
    ...(stack === undefined ? {} : { stack }),
    ...withCause,
  };
}

/** A kycnet error's details are public by design; their strings are still cut and scrubbed. */
function scrubDetails(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).map(([key, value]) => [key, scrubValue(value)]));
}

const scrubValue = (value: unknown): unknown =>
  typeof value === "string" ? scrub(value) : Array.isArray(value) ? value.map(scrubValue) : value;
