/** The API's configuration, with the defaults a bank node starts from. */
import type { ApiKeyEntry } from "./auth.ts";

export interface RateLimitConfig {
  /** Requests per window per API key (or per client IP for requests without a valid key). */
  readonly max: number;
  readonly windowMs: number;
}

export interface BodyLimits {
  /** One document image (PUT .../documents/:side), bytes. */
  readonly documentBytes: number;
  /** One decoded selfie frame, bytes. */
  readonly frameBytes: number;
  /** Frames per selfie upload. */
  readonly maxFrames: number;
  /** Whole selfie request (JSON with base64 frames), bytes. */
  readonly selfieRequestBytes: number;
  /** Any other JSON body, bytes. */
  readonly jsonBytes: number;
}

export interface ApiConfig {
  readonly apiKeys: readonly ApiKeyEntry[];
  readonly rateLimit: RateLimitConfig;
  readonly bodyLimits: BodyLimits;
  /** Serve the Swagger UI page at /docs (assets are bundled, nothing is fetched from outside). */
  readonly docs: boolean;
  /** Per-check timeout for /ready. */
  readonly readinessTimeoutMs: number;
  /** Trust X-Forwarded-For (only behind a reverse proxy the bank controls). */
  readonly trustProxy: boolean;
  /** Whole-request deadline on the socket (slow uploads, slowloris), ms. */
  readonly requestTimeoutMs: number;
  /** Heavy requests (uploads, decisions) in flight at once; more get 503 SERVER_BUSY. */
  readonly maxHeavyInFlight: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = {
  documentBytes: 8 * 1024 * 1024,
  frameBytes: 2 * 1024 * 1024,
  maxFrames: 12,
  // base64 grows data by 4/3; leave room for the JSON around the frames.
  selfieRequestBytes: Math.ceil((12 * 2 * 1024 * 1024 * 4) / 3) + 64 * 1024,
  jsonBytes: 16 * 1024,
};

export const DEFAULT_API_CONFIG: Omit<ApiConfig, "apiKeys"> = {
  rateLimit: { max: 600, windowMs: 60_000 },
  bodyLimits: DEFAULT_BODY_LIMITS,
  docs: true,
  readinessTimeoutMs: 2_000,
  trustProxy: false,
  requestTimeoutMs: 60_000,
  maxHeavyInFlight: 16,
};

export function apiConfig(overrides: Partial<ApiConfig> & Pick<ApiConfig, "apiKeys">): ApiConfig {
  return {
    ...DEFAULT_API_CONFIG,
    ...overrides,
    rateLimit: { ...DEFAULT_API_CONFIG.rateLimit, ...overrides.rateLimit },
    bodyLimits: { ...DEFAULT_BODY_LIMITS, ...overrides.bodyLimits },
  };
}
