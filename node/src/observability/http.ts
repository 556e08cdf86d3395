/**
 * The observability endpoints on a fastify instance: `/health` (liveness: the process answers),
 * `/ready` (readiness from injected checks), `/metrics` (Prometheus text), plus the hook that times
 * every request into the HTTP duration histogram by route template.
 */
import type { FastifyInstance } from "fastify";
import { Type } from "@sinclair/typebox";
import type { Metrics } from "./metrics.ts";
import { checkReadiness, type ReadinessCheck } from "./readiness.ts";

export interface ObservabilityRoutesOptions {
  readonly metrics: Metrics;
  /**
   * The error responses to document (the API's problem+json): these routes answer no error of their
   * own, but a malformed URL or an overloaded server gets the same problem answers as any route.
   */
  readonly errorResponses: Readonly<Record<"4xx" | "5xx", unknown>>;
  readonly readinessChecks: readonly ReadinessCheck[];
  readonly readinessTimeoutMs: number;
}

const Health = Type.Object({ status: Type.Literal("ok") }, { $id: "Health" });
const Readiness = Type.Object(
  {
    status: Type.Union([Type.Literal("ready"), Type.Literal("not_ready")]),
    checks: Type.Record(Type.String(), Type.Union([Type.Literal("up"), Type.Literal("down")])),
    /** Why a failing check failed, for checks whose reason is safe to show (the vault check's findings). */
    reasons: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { $id: "Readiness" },
);

/** Route label for requests no route matched: one series, whatever the URL. */
export const UNMATCHED_ROUTE = "unmatched";

/** Public on purpose: probes and scrapers hold no API key (`security: []` says so in the document). */
const PUBLIC: readonly [] = [];

export function registerObservability(app: FastifyInstance, options: ObservabilityRoutesOptions): void {
  const { metrics, errorResponses } = options;

  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    metrics.observeHttpRequest({
      route: reply.statusCode === 404 && request.routeOptions.url === undefined ? UNMATCHED_ROUTE : route,
      method: request.method,
      statusCode: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
    });
  });

  app.get(
    "/health",
    {
      schema: {
        tags: ["observability"],
        operationId: "getHealth",
        security: PUBLIC,
        summary: "Liveness: the process is up",
        response: { 200: Health, ...errorResponses },
      },
      logLevel: "warn",
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/ready",
    {
      schema: {
        tags: ["observability"],
        operationId: "getReadiness",
        security: PUBLIC,
        summary: "Readiness: ledger, HSM and vault checks",
        response: { ...errorResponses, 200: Readiness, 503: Readiness },
      },
      logLevel: "warn",
    },
    async (request, reply) => {
      const report = await checkReadiness(options.readinessChecks, options.readinessTimeoutMs);
      for (const failure of report.failures) {
        request.log.warn({ check: failure.name, err: failure.error }, "readiness check failed");
      }
      const reasons = Object.keys(report.reasons).length > 0 ? { reasons: report.reasons } : {};
      return reply
        .code(report.ready ? 200 : 503)
        .send({ status: report.ready ? "ready" : "not_ready", checks: report.checks, ...reasons });
    },
  );

  app.get(
    "/metrics",
    {
      schema: {
        tags: ["observability"],
        operationId: "getMetrics",
        security: PUBLIC,
        summary: "Prometheus metrics (text exposition format)",
        produces: ["text/plain"],
        response: { 200: { description: "Prometheus text format", type: "string" }, ...errorResponses },
      },
      logLevel: "warn",
    },
    async (_request, reply) => {
      const text = await metrics.render();
      return reply.type(metrics.contentType).send(text);
    },
  );
}
