/**
 * The hooks every /v1 route passes through, in this order:
 *   1. identify  (onRequest)  — resolve the Bearer key to a principal, or remember why not;
 *   2. rate limit (onRequest) — per key id, or per client IP when no valid key was shown, so
 *      guessing keys is throttled too;
 *   3. authorize (onRequest)  — 401 without a valid key, 403 when the route does not accept the
 *      key's role; a route that declares no roles is refused to everyone (deny by default);
 *   4. back-pressure (onRequest) — heavy routes beyond the in-flight limit get 503 SERVER_BUSY;
 *   5. audit — writes (routes with `config.audit`) get a REQUESTED entry before the handler runs
 *      (if the audit log cannot take it, the write is refused with 503) and an outcome entry before
 *      the response is sent; writes stopped earlier (401/403/429/400/413/415) get one DENIED or
 *      REJECTED entry.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { ApiKeyVerifier } from "./auth.ts";
import { registerBackpressure } from "./backpressure.ts";
import { ApiError, AuditUnavailableError, ForbiddenError } from "./errors.ts";
import type { ApiInstance, RouteContext } from "./route-context.ts";
import type { AuditEntry, AuditOutcome } from "../onboarding/ports.ts";

export function registerGuard(app: ApiInstance, { services, config }: RouteContext): void {
  const verifier = new ApiKeyVerifier(config.apiKeys);

  app.addHook("onRequest", async (request) => {
    try {
      request.principal = verifier.authenticate(request.headers.authorization);
    } catch (error) {
      request.authFailure = error as Error;
    }
  });

  app.addHook(
    "onRequest",
    app.rateLimit({
      max: config.rateLimit.max,
      timeWindow: config.rateLimit.windowMs,
      keyGenerator: (request: FastifyRequest) =>
        request.principal ? `key:${request.principal.keyId}` : `ip:${request.ip}`,
      errorResponseBuilder: (_request: FastifyRequest, context: { after: string }) =>
        new ApiError("RATE_LIMITED", `rate limit exceeded, retry in ${context.after}`),
    }),
  );

  app.addHook("onRequest", async (request) => {
    if (request.authFailure) throw request.authFailure;
    const roles = request.routeOptions.config.roles ?? [];
    const principal = request.principal!;
    if (!roles.includes(principal.role)) throw new ForbiddenError(principal.role, roles);
  });

  registerBackpressure(app, config.maxHeavyInFlight);

  const audit = async (request: FastifyRequest, outcome: AuditOutcome, extra: Record<string, string | number>) => {
    const entry: AuditEntry = {
      actor: request.principal?.keyId ?? "anonymous",
      role: request.principal?.role ?? "none",
      action: request.routeOptions.config.audit!,
      target: auditTarget(request),
      outcome,
      details: { requestId: request.id, method: request.method, ...extra },
    };
    await services.audit.append(entry);
  };

  app.addHook("preHandler", async (request) => {
    if (request.routeOptions.config.audit === undefined) return;
    try {
      await audit(request, "REQUESTED", {});
      request.auditRequested = true;
    } catch (error) {
      request.log.error({ err: error }, "audit append failed; write refused");
      throw new AuditUnavailableError(error);
    }
  });

  app.addHook("onSend", async (request: FastifyRequest, reply: FastifyReply, payload) => {
    if (request.routeOptions.config.audit === undefined) return payload;
    const status = reply.statusCode;
    const outcome: AuditOutcome = request.auditRequested
      ? status < 400
        ? "SUCCEEDED"
        : "FAILED"
      : [401, 403, 429].includes(status)
        ? "DENIED"
        : "REJECTED";
    try {
      await audit(request, outcome, { status, ...(reply.problemCode ? { code: reply.problemCode } : {}) });
    } catch (error) {
      // The write has already happened (or been refused); the response stands, the gap is logged loudly.
      request.log.error(
        { err: error, action: request.routeOptions.config.audit, outcome },
        "audit append of outcome failed",
      );
    }
    return payload;
  });
}

const TARGET_ID = /^(0x[0-9a-fA-F]{64}|[A-Za-z0-9_-]{1,64})$/;

/**
 * The resource a write acts on, from its path parameters. Only well-formed ids reach the audit log:
 * a request refused for a malformed id records "(invalid)", never the client's text.
 */
function auditTarget(request: FastifyRequest): string {
  const params = (request.params ?? {}) as Record<string, unknown>;
  const id = params.uid ?? params.id;
  if (id === undefined) return "";
  if (typeof id !== "string" || !TARGET_ID.test(id)) return "(invalid)";
  const side = params.side;
  return side === "front" || side === "back" ? `${id}/${side}` : id;
}
