/**
 * `buildApp(deps, config)`: the node's HTTP API as a Fastify instance, ready for `inject()` in tests
 * or `startServer()` in production (this module never listens). Public routes: /health, /ready,
 * /metrics, /openapi.json, /docs. Everything under /v1 needs an API key with an accepted role.
 */
import { randomUUID } from "node:crypto";
import Fastify from "fastify";
import type { FastifyBaseLogger } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { Metrics } from "../observability/metrics.ts";
import { registerObservability } from "../observability/http.ts";
import type { ReadinessCheck } from "../observability/readiness.ts";
import type { ApiConfig } from "./config.ts";
import { registerConsole } from "./console/routes.ts";
import { createProblemSender, frameworkErrorHandler, registerErrorHandling } from "./error-handler.ts";
import { registerGuard } from "./guard.ts";
import { OPENAPI_DOCUMENT, documentRoles } from "./openapi.ts";
import type { ApiInstance, RouteContext } from "./route-context.ts";
import { registerAuditRoutes } from "./routes/audit.ts";
import { registerCoreBankingRoutes } from "./routes/core-banking.ts";
import { registerDataSubjectRoutes } from "./routes/data-subjects.ts";
import { registerLedgerRoutes } from "./routes/ledger.ts";
import { registerOnboardingRoutes } from "./routes/onboarding.ts";
import { registerReviewRoutes } from "./routes/review.ts";
import { SHARED_SCHEMAS, problemResponses } from "./schemas.ts";
import type { ApiServices } from "../onboarding/ports.ts";

export interface ApiDeps {
  readonly services: ApiServices;
  readonly metrics: Metrics;
  readonly logger: FastifyBaseLogger;
  readonly readinessChecks: readonly ReadinessCheck[];
}

export { API_VERSION } from "./openapi.ts";

export async function buildApp(deps: ApiDeps, config: ApiConfig): Promise<ApiInstance> {
  const sendProblem = createProblemSender((code) => deps.metrics.countProblem(code));
  const app = Fastify({
    loggerInstance: deps.logger,
    // Request ids are ours, never taken from a client header (they end up in logs and problems).
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: config.bodyLimits.jsonBytes,
    trustProxy: config.trustProxy,
    requestTimeout: config.requestTimeoutMs,
    // Strict input: no silent type coercion (`{"comment": 123}` is a 400, not "123") and unknown
    // properties are refused, not dropped. The one numeric query parameter is converted by its route.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false } },
    return503OnClosing: true,
    routerOptions: { maxParamLength: 128 },
    frameworkErrors: frameworkErrorHandler(sendProblem),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorateRequest("principal", null);
  app.decorateRequest("authFailure", null);
  app.decorateRequest("auditRequested", false);
  app.decorateReply("problemCode", null);
  app.addHook("onSend", async (request, reply, payload) => {
    reply.header("x-request-id", request.id);
    reply.header("cache-control", "no-store");
    reply.header("x-content-type-options", "nosniff");
    return payload;
  });

  registerErrorHandling(app, sendProblem);
  // JSON routes take JSON only: a text/plain body is a 415, not a string that then fails validation.
  app.removeContentTypeParser("text/plain");

  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  await app.register(swagger, {
    // Shared schemas appear in components.schemas under their $id (ProblemDetails), not as def-N.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === "string" ? json.$id : `def-${i}`),
    },
    openapi: OPENAPI_DOCUMENT,
  });
  if (config.docs) {
    // Swagger UI's assets ship inside the package and are served from this node: nothing is fetched elsewhere.
    // The page loads the same document from /docs/json.
    await app.register(swaggerUi, { routePrefix: "/docs", staticCSP: true });
  }
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  await app.register(rateLimit, { global: false });

  documentRoles(app);
  registerObservability(app, {
    metrics: deps.metrics,
    errorResponses: problemResponses(),
    readinessChecks: deps.readinessChecks,
    readinessTimeoutMs: config.readinessTimeoutMs,
  });

  const context: RouteContext = { services: deps.services, config };
  await app.register(
    async (v1: ApiInstance) => {
      registerGuard(v1, context);
      registerOnboardingRoutes(v1, context);
      registerReviewRoutes(v1, context);
      registerLedgerRoutes(v1, context);
      registerCoreBankingRoutes(v1, context);
      registerAuditRoutes(v1, context);
      registerDataSubjectRoutes(v1, context);
    },
    { prefix: "/v1" },
  );
  await registerConsole(app, { services: deps.services, config, readinessChecks: deps.readinessChecks });

  await app.ready();
  return app;
}
