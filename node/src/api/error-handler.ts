/**
 * Turns everything thrown in the app into RFC 9457 problem+json: schema validation failures (with
 * the failing fields), Fastify's own request errors (body too large, media type, malformed JSON),
 * kycnet's coded errors (through the catalogue) and anything else (a bare 500). 5xx bodies carry
 * only the catalogue text and the request id; the error itself goes to the log.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { KycnetError } from "@kycnet/sdk/errors";
import type { ErrorCode } from "../errors.ts";
import { buildProblem, problemFromError, type FieldViolation, type Problem } from "./errors.ts";
import type { ApiInstance } from "./route-context.ts";
import { scrub } from "../observability/log-errors.ts";

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

const MAX_VIOLATIONS = 10;

/** "body/frames/0/mime" from Ajv's context and instance path; names the missing property when one is. */
export function violationsOf(error: FastifyError): FieldViolation[] {
  const context = (error as { validationContext?: string }).validationContext ?? "request";
  const issues = (error.validation ?? []) as ValidationIssue[];
  return issues.slice(0, MAX_VIOLATIONS).map((issue) => {
    const path = (issue.instancePath ?? "").split("/").filter((p) => p !== "");
    const missing = issue.params?.missingProperty;
    if (typeof missing === "string") path.push(missing);
    const extra = issue.params?.additionalProperty;
    if (typeof extra === "string") path.push(extra);
    return { field: [context, ...path].join("/"), message: issue.message ?? "is invalid" };
  });
}

/** Fastify's own client errors (parsing, limits) by code. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "BODY_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "MALFORMED_BODY",
  FST_ERR_CTP_EMPTY_JSON_BODY: "MALFORMED_BODY",
  FST_ERR_CTP_INVALID_JSON_BODY: "MALFORMED_BODY",
  FST_ERR_CTP_INVALID_TYPE: "UNSUPPORTED_MEDIA_TYPE",
};

function fastifyProblem(error: FastifyError, requestId: string): Problem | undefined {
  const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (mapped === "BODY_TOO_LARGE")
    return buildProblem(mapped, requestId, "the request body is over this route's size limit");
  if (mapped === "UNSUPPORTED_MEDIA_TYPE")
    return buildProblem(mapped, requestId, "this route does not accept that Content-Type");
  if (mapped === "MALFORMED_BODY") return buildProblem(mapped, requestId, "the request body is not valid JSON");
  // Any other Fastify client error (e.g. JSON syntax errors, which carry status 400 and no code).
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500 && !(error instanceof KycnetError)) {
    if (status === 413)
      return buildProblem("BODY_TOO_LARGE", requestId, "the request body is over this route's size limit");
    if (status === 415)
      return buildProblem("UNSUPPORTED_MEDIA_TYPE", requestId, "this route does not accept that Content-Type");
    if (status === 404) return buildProblem("ROUTE_NOT_FOUND", requestId, "no such route");
    return buildProblem("MALFORMED_BODY", requestId, "the request could not be parsed");
  }
  return undefined;
}

/**
 * 5xx answers that are refusals the system is built to give, not failures of this node: another
 * bank refused to disclose a record (its wire status is in the message), or this node is at its
 * concurrency limit. Logged at warn without a stack; every other 5xx is logged at error with its cause.
 */
const EXPECTED_REFUSALS: ReadonlySet<string> = new Set<ErrorCode>(["EXCHANGE_REFUSED", "SERVER_BUSY"]);

export type ProblemSender = (request: FastifyRequest, reply: FastifyReply, problem: Problem) => FastifyReply;

/** Sends problems as application/problem+json, counting each by code (the catalogue bounds the set). */
export function createProblemSender(countProblem: (code: string) => void): ProblemSender {
  return (_request, reply, problem) => {
    reply.problemCode = problem.code;
    countProblem(problem.code);
    if (problem.status === 503 && !reply.hasHeader("retry-after")) reply.header("retry-after", "5");
    // RFC 6750: a 401 names the scheme the client should use.
    if (problem.status === 401) reply.header("www-authenticate", 'Bearer realm="kycnet"');
    return reply.code(problem.status).type("application/problem+json").serializer(JSON.stringify).send(problem);
  };
}

/**
 * Errors the router raises before any route or hook runs (undecodable URL, over-long path
 * parameter). Fastify's default answer echoes the URL, which may carry anything; this one does not.
 */
export const frameworkErrorHandler =
  (sendProblem: ProblemSender) =>
  (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const problem =
      error.code === "FST_ERR_MAX_PARAM_LENGTH"
        ? buildProblem("URI_TOO_LONG", request.id, "a path parameter is longer than this API accepts")
        : error.code === "FST_ERR_BAD_URL"
          ? buildProblem("BAD_URL", request.id, "the URL could not be decoded")
          : buildProblem("INTERNAL", request.id);
    if (problem.status >= 500) request.log.error({ err: error }, "router error");
    sendProblem(request, reply, problem);
  };

export function registerErrorHandling(app: ApiInstance, sendProblem: ProblemSender): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let problem: Problem;
    if (error.validation) {
      const errors = violationsOf(error);
      problem = buildProblem(
        "VALIDATION_FAILED",
        request.id,
        errors.map((e) => `${e.field} ${e.message}`).join("; "),
        errors,
      );
    } else if (error instanceof KycnetError) {
      problem = problemFromError(error, request.id);
    } else {
      problem = fastifyProblem(error, request.id) ?? problemFromError(error, request.id);
    }
    if (problem.status < 500) {
      request.log.info({ code: problem.code, status: problem.status }, "request refused");
    } else if (EXPECTED_REFUSALS.has(problem.code)) {
      // Not this node failing: the protocol said no, or the node shed load. A warning with the reason, no stack.
      request.log.warn({ code: problem.code, status: problem.status, reason: scrub(error.message) }, "request refused");
    } else {
      request.log.error({ err: error, code: problem.code }, "request failed");
    }
    return sendProblem(request, reply, problem);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, buildProblem("ROUTE_NOT_FOUND", request.id, "no such route")),
  );
}
