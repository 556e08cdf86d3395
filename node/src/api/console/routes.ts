/**
 * The reviewer console at /console: sign-in (an API key exchanged for a session cookie), the review
 * queue, a case with its evidence, claim / approve / reject, and the operator page.
 *
 * Sessions: the cookie holds a random id only (HttpOnly, SameSite=Strict, Path=/console, Secure over
 * HTTPS); the session itself (key id, role, CSRF token, expiry) lives in the node's store, so every
 * instance accepts it. Every sign-in issues a new id and deletes the one the browser came with
 * (session fixation). Every POST carries the session's CSRF token (a hidden field), compared in
 * constant time, and is refused when the browser says it is cross-site (`Sec-Fetch-Site`); SameSite=Strict
 * already keeps the cookie off cross-site requests. Writes are audited like /v1 writes (REQUESTED, then
 * SUCCEEDED / FAILED; refused when the audit log cannot be written); the review queue and the evidence
 * store audit the case changes and each opening of evidence in the vault's own log.
 */
import { timingSafeEqual } from "node:crypto";
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import { Type } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { CASE_KINDS, type CaseKind } from "@kycnet/sdk/bank";
import { isKycnetError, KycnetError } from "@kycnet/sdk/errors";
import type { ApiServices, AuditEntry, ConsoleSession, Role } from "../../onboarding/ports.ts";
import type { ReadinessCheck } from "../../observability/readiness.ts";
import { ApiKeyVerifier } from "../auth.ts";
import type { ApiConfig } from "../config.ts";
import { AuditUnavailableError, ForbiddenError, problemFromError } from "../errors.ts";
import type { ApiInstance } from "../route-context.ts";
import { CONSOLE_CSS, HTMX_JS } from "./assets.ts";
import type { SafeHtml } from "./html.ts";
import {
  casePage,
  errorPage,
  operatorPage,
  queuePage,
  signInPage,
  type OperationsView,
  type OperatorView,
} from "./pages.ts";

export const CONSOLE_COOKIE = "kycnet_console";
const FORM_BYTES = 16 * 1024;
const PAGE_SIZE = 50;
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

const CaseParams = Type.Object({ id: Type.String({ pattern: "^[\\w-]{1,64}$" }) }, { additionalProperties: false });
const ImageParams = Type.Object(
  { id: Type.String({ pattern: "^[\\w-]{1,64}$" }), part: Type.String({ pattern: "^[a-z0-9-]{1,16}$" }) },
  { additionalProperties: false },
);
// The token is optional in the schema so that a missing one is a 403 (CSRF), not a 400.
const CsrfBody = Type.Object({ csrf: Type.Optional(Type.String({ maxLength: 128 })) }, { additionalProperties: false });
const DecisionBody = Type.Object(
  { csrf: Type.Optional(Type.String({ maxLength: 128 })), comment: Type.String({ maxLength: 4000 }) },
  { additionalProperties: false },
);
const SignInBody = Type.Object({ apiKey: Type.String({ maxLength: 256 }) }, { additionalProperties: false });
const Hex32OrEmpty = Type.String({ pattern: "^(0x[0-9a-fA-F]{64})?$" });
const QueueQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(["", "OPEN", "CLAIMED", "APPROVED", "REJECTED"].map((s) => Type.Literal(s)))),
    reason: Type.Optional(Type.String({ pattern: "^[A-Z_]{0,64}$" })),
    kind: Type.Optional(Type.Union(["", ...CASE_KINDS].map((s) => Type.Literal(s)))),
    olderThanHours: Type.Optional(Type.String({ pattern: "^[0-9]{0,4}$" })),
    cursor: Type.Optional(Type.String({ pattern: "^[\\w-]{0,64}$" })),
    done: Type.Optional(Type.String({ pattern: "^[a-z-]{0,32}$" })),
  },
  { additionalProperties: false },
);
const OperatorQuery = Type.Object(
  { uid: Type.Optional(Hex32OrEmpty), consentId: Type.Optional(Hex32OrEmpty) },
  { additionalProperties: false },
);
const DoneQuery = Type.Object(
  { done: Type.Optional(Type.String({ pattern: "^[a-z-]{0,32}$" })) },
  { additionalProperties: false },
);

/** Fixed notices after an action (the query names one; nothing from it is echoed). */
const NOTICES: Readonly<Record<string, string>> = {
  "signed-in": "Signed in.",
  claimed: "You claimed this case.",
  approved: "Approved.",
  "first-approval": "First approval recorded: a second, different reviewer must approve this case.",
  rejected: "Rejected.",
};

export interface ConsoleDeps {
  readonly services: ApiServices;
  readonly config: ApiConfig;
  readonly readinessChecks: readonly ReadinessCheck[];
}

class ConsoleForbiddenError extends KycnetError {
  constructor(reason: string) {
    super("FORBIDDEN", reason);
  }
}

declare module "fastify" {
  interface FastifyRequest {
    consoleSession: ConsoleSession | null;
    consoleSessionId: string | null;
  }
}

export async function registerConsole(app: ApiInstance, deps: ConsoleDeps): Promise<void> {
  const consoleServices = deps.services.console;
  if (consoleServices === undefined) return;
  const { evidence, sessions, operations } = consoleServices;
  const { services, config } = deps;
  const verifier = new ApiKeyVerifier(config.apiKeys);

  await app.register(
    async (scope: ApiInstance) => {
      await scope.register(cookie);
      await scope.register(formbody, { bodyLimit: FORM_BYTES });
      scope.decorateRequest("consoleSession", null);
      scope.decorateRequest("consoleSessionId", null);

      scope.addHook("onRequest", async (request) => {
        const id = request.cookies[CONSOLE_COOKIE];
        if (id === undefined) return;
        request.consoleSessionId = id;
        request.consoleSession = await sessions.find(id);
      });
      scope.addHook("onSend", async (_request, reply, payload) => {
        reply.header("content-security-policy", CSP);
        reply.header("x-frame-options", "DENY");
        reply.header("referrer-policy", "no-referrer");
        return payload;
      });
      scope.setErrorHandler(async (error, request, reply) => {
        const problem = problemFromError(
          isKycnetError(error) || !("validation" in (error as object))
            ? error
            : new KycnetError("VALIDATION_FAILED", "the form or address was not valid"),
          request.id,
        );
        reply.problemCode = problem.code;
        if (problem.status >= 500) request.log.error({ err: error }, "console request failed");
        return sendPage(
          reply,
          errorPage(request.consoleSession, problem.status, problem.title, problem.detail),
          problem.status,
        );
      });

      const audited = async (entry: Omit<AuditEntry, "outcome">, outcome: AuditEntry["outcome"]) => {
        try {
          await services.audit.append({ ...entry, outcome });
        } catch (error) {
          throw new AuditUnavailableError(error);
        }
      };

      /** The signed-in session for a page of `role`: GETs without one go to the sign-in page. */
      function sessionFor(request: FastifyRequest, role: Role): ConsoleSession {
        const session = request.consoleSession;
        if (session === null) throw new ConsoleForbiddenError("sign in first");
        if (session.role !== role) throw new ForbiddenError(session.role, [role]);
        return session;
      }

      /** A POST of `role`: signed in, same-site, carrying this session's CSRF token. */
      function writerFor(request: FastifyRequest, role: Role, csrf: string | undefined): ConsoleSession {
        if (request.headers["sec-fetch-site"] === "cross-site") throw new ConsoleForbiddenError("cross-site request");
        const session = sessionFor(request, role);
        const given = Buffer.from(csrf ?? "");
        const expected = Buffer.from(session.csrfToken);
        if (given.length !== expected.length || !timingSafeEqual(given, expected))
          throw new ConsoleForbiddenError("missing or wrong CSRF token");
        return session;
      }

      const redirectToSignIn = (request: FastifyRequest, reply: FastifyReply) =>
        request.consoleSession === null ? reply.redirect("/console/sign-in", 303) : null;

      scope.get("/assets/htmx.min.js", { schema: { hide: true } }, async (_request, reply) =>
        reply.type("text/javascript; charset=utf-8").send(HTMX_JS),
      );
      scope.get("/assets/console.css", { schema: { hide: true } }, async (_request, reply) =>
        reply.type("text/css; charset=utf-8").send(CONSOLE_CSS),
      );

      scope.get("/sign-in", { schema: { hide: true } }, async (_request, reply) => sendPage(reply, signInPage()));

      scope.post(
        "/sign-in",
        {
          schema: { hide: true, body: SignInBody },
          config: { rateLimit: { max: 20, timeWindow: 60_000 } },
        },
        async (request, reply) => {
          if (request.headers["sec-fetch-site"] === "cross-site") throw new ConsoleForbiddenError("cross-site request");
          let principal;
          try {
            principal = verifier.authenticate(`Bearer ${request.body.apiKey}`);
          } catch {
            await audited(
              { actor: "anonymous", role: "none", action: "console.sign-in", target: "", details: {} },
              "DENIED",
            );
            return sendPage(reply, signInPage("That key is not valid."), 401);
          }
          const entry = { actor: principal.keyId, role: principal.role, action: "console.sign-in", target: "" };
          if (principal.role !== "reviewer" && principal.role !== "operator") {
            await audited({ ...entry, details: {} }, "DENIED");
            throw new ForbiddenError(principal.role, ["reviewer", "operator"]);
          }
          // Always a new session id; the one the browser came with (if any) is deleted: no fixation.
          const { id } = await sessions.create(principal, request.consoleSessionId ?? undefined);
          await audited({ ...entry, details: { requestId: request.id } }, "SUCCEEDED");
          reply.setCookie(CONSOLE_COOKIE, id, {
            path: "/console",
            httpOnly: true,
            sameSite: "strict",
            secure: request.protocol === "https",
            maxAge: 24 * 3600,
          });
          const home = principal.role === "reviewer" ? "/console?done=signed-in" : "/console/operator";
          return reply.redirect(home, 303);
        },
      );

      scope.post("/sign-out", { schema: { hide: true, body: CsrfBody } }, async (request, reply) => {
        const session = request.consoleSession;
        if (session === null) return reply.redirect("/console/sign-in", 303);
        writerFor(request, session.role, request.body.csrf);
        await sessions.delete(request.consoleSessionId!);
        await audited(
          { actor: session.keyId, role: session.role, action: "console.sign-out", target: "", details: {} },
          "SUCCEEDED",
        );
        reply.clearCookie(CONSOLE_COOKIE, { path: "/console" });
        return reply.redirect("/console/sign-in", 303);
      });

      scope.get("/", { schema: { hide: true, querystring: QueueQuery } }, async (request, reply) => {
        const redirect = redirectToSignIn(request, reply);
        if (redirect) return redirect;
        const session = sessionFor(request, "reviewer");
        const q = request.query;
        const hours = q.olderThanHours ? Number(q.olderThanHours) : undefined;
        const now = new Date();
        const filter = {
          limit: PAGE_SIZE,
          ...(q.status ? { status: q.status as "OPEN" } : {}),
          ...(q.reason ? { reason: q.reason } : {}),
          ...(q.kind ? { kind: q.kind as CaseKind } : {}),
          ...(hours !== undefined ? { olderThan: new Date(now.getTime() - hours * 3_600_000).toISOString() } : {}),
          ...(q.cursor ? { cursor: q.cursor } : {}),
        };
        const page = await evidence.listCases(filter);
        const next = new URLSearchParams();
        for (const [name, value] of [
          ["status", q.status],
          ["reason", q.reason],
          ["kind", q.kind],
          ["olderThanHours", q.olderThanHours],
        ])
          if (value) next.set(name!, value);
        if (page.nextCursor !== undefined) next.set("cursor", page.nextCursor);
        const nextHref = page.nextCursor === undefined ? null : `/console?${next.toString()}`;
        const view = {
          page,
          filter: {
            ...(q.status ? { status: q.status } : {}),
            ...(q.reason ? { reason: q.reason } : {}),
            ...(q.kind ? { kind: q.kind } : {}),
            ...(hours !== undefined ? { olderThanHours: hours } : {}),
          },
          reasonCodes: evidence.reasonCodes(),
          nextHref,
          now,
        };
        return sendPage(reply, queuePage(session, view, NOTICES[q.done ?? ""]));
      });

      scope.get(
        "/cases/:id",
        { schema: { hide: true, params: CaseParams, querystring: DoneQuery } },
        async (request, reply) => {
          const redirect = redirectToSignIn(request, reply);
          if (redirect) return redirect;
          const session = sessionFor(request, "reviewer");
          const detail = await evidence.getCase(request.params.id, session.keyId);
          return sendPage(reply, casePage(session, detail, NOTICES[request.query.done ?? ""]));
        },
      );

      scope.get("/cases/:id/images/:part", { schema: { hide: true, params: ImageParams } }, async (request, reply) => {
        const session = sessionFor(request, "reviewer");
        const image = await evidence.getImage(request.params.id, request.params.part, session.keyId);
        return reply.type(image.mime).header("content-disposition", "inline").send(Buffer.from(image.bytes));
      });

      for (const verb of ["claim", "approve", "reject"] as const) {
        scope.post(
          `/cases/:id/${verb}`,
          { schema: { hide: true, params: CaseParams, body: verb === "claim" ? CsrfBody : DecisionBody } },
          async (request, reply) => {
            const body = request.body as { csrf?: string; comment?: string };
            const session = writerFor(request, "reviewer", body.csrf);
            const caseId = request.params.id;
            const entry = {
              actor: session.keyId,
              role: session.role,
              action: `console.review.${verb}`,
              target: caseId,
              details: { requestId: request.id },
            };
            await audited(entry, "REQUESTED");
            try {
              const comment = body.comment ?? "";
              const result =
                verb === "claim"
                  ? await services.review.claim(caseId, session.keyId)
                  : verb === "approve"
                    ? await services.review.approve(caseId, session.keyId, comment)
                    : await services.review.reject(caseId, session.keyId, comment);
              await audited(entry, "SUCCEEDED");
              const done =
                verb === "claim"
                  ? "claimed"
                  : verb === "reject"
                    ? "rejected"
                    : result.status === "OPEN"
                      ? "first-approval"
                      : "approved";
              return reply.redirect(`/console/cases/${caseId}?done=${done}`, 303);
            } catch (error) {
              await audited(
                { ...entry, details: { ...entry.details, code: isKycnetError(error) ? error.code : "INTERNAL" } },
                "FAILED",
              );
              throw error;
            }
          },
        );
      }

      /** Queues, members and consent activity; null when this node has no operations reads. */
      async function operationsView(): Promise<OperationsView | null> {
        if (operations === undefined) return null;
        const [anchoring, webhooks, members, consentActivity] = await Promise.all([
          operations.anchoring(),
          services.webhooks.list({ limit: 1 }),
          operations.members(),
          operations.consentActivity(20),
        ]);
        const { PENDING: pending, DELIVERED: delivered, DEAD: dead } = webhooks.counts;
        return { anchoring, webhooks: { pending, delivered, dead }, members, consentActivity, now: new Date() };
      }

      scope.get("/operator", { schema: { hide: true, querystring: OperatorQuery } }, async (request, reply) => {
        const redirect = redirectToSignIn(request, reply);
        if (redirect) return redirect;
        const session = sessionFor(request, "operator");
        const view: OperatorView = {
          readiness: await Promise.all(deps.readinessChecks.map(async (c) => ({ name: c.name, up: await probe(c) }))),
          operations: await operationsView(),
          attestation: null,
          consent: null,
          lookupError: null,
        };
        const { uid, consentId } = request.query;
        try {
          const attestation = uid ? await services.ledger.attestationStatus(uid as `0x${string}`) : null;
          const consent = consentId ? await services.ledger.consentStatus(consentId as `0x${string}`) : null;
          return sendPage(reply, operatorPage(session, { ...view, attestation, consent }));
        } catch (error) {
          if (!isKycnetError(error)) throw error;
          return sendPage(
            reply,
            operatorPage(session, { ...view, lookupError: problemFromError(error, request.id).title }),
          );
        }
      });
    },
    { prefix: "/console" },
  );
}

function sendPage(reply: FastifyReply, page: SafeHtml, status = 200): FastifyReply {
  return reply.code(status).type("text/html; charset=utf-8").send(page.value);
}

/** One readiness check, bounded to 2 s, as up or down (the reason goes nowhere near the page). */
async function probe(check: ReadinessCheck): Promise<boolean> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 2_000);
  try {
    return (await check.check(controller.signal)) !== false;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
