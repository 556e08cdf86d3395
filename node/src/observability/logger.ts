/**
 * The node's pino logger. Logs are structured JSON and carry no personal data and no secrets:
 * authorization headers, cookies, API keys and any request or response body are redacted by path,
 * as a second line of defence behind the rule that callers never log them in the first place.
 * Errors are logged through `serializeError` (log-errors.ts): short, never with a raw transaction.
 * Levels: a refusal the protocol expects (a 4xx, a refused consent, a busy node) is info or warn
 * with its code and no stack; a failure of this node is error, with its cause.
 */
import { pino, type Logger, type LoggerOptions, type DestinationStream } from "pino";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { serializeError } from "./log-errors.ts";

export interface LoggerConfig {
  /** "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent"; default "info". */
  readonly level?: string;
  /** Service name on every line; default "kycnet-node". */
  readonly name?: string;
}

/** Paths pino removes from every log line (wildcards match one level). */
export const REDACTED_PATHS: readonly string[] = [
  "authorization",
  "headers.authorization",
  "headers.cookie",
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  "apiKey",
  "*.apiKey",
  "pin",
  "*.pin",
  "body",
  "*.body",
  "req.body",
  "payload",
  "*.payload",
  "frames",
  "*.frames",
];

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export function createLogger(config: LoggerConfig = {}, destination?: DestinationStream): Logger {
  const level = config.level ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw new InvalidArgumentError("level", `must be one of ${LOG_LEVELS.join(", ")}`);
  const options: LoggerOptions = {
    level,
    name: config.name ?? "kycnet-node",
    redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
    // Request logs: id, method and route template only. The raw URL is left out on purpose: its
    // path parameters and query come from the client and could carry anything (the audit log
    // records the ids a write acted on). No headers, no client address.
    serializers: {
      req: (req: { method?: string; id?: string; routeOptions?: { url?: string } }) => ({
        id: req.id,
        method: req.method,
        route: req.routeOptions?.url ?? "unmatched",
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      // Short and safe: no raw transactions or RPC payloads, no stack for kycnet's own errors (log-errors.ts).
      err: serializeError,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
