/**
 * What every route module receives, and the per-route options the auth and audit hooks read:
 * `roles` (who may call it; a route without roles is refused to everyone) and `audit` (the action
 * name recorded for writes).
 */
import type {
  FastifyInstance,
  FastifyBaseLogger,
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
} from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { ApiConfig } from "./config.ts";
import type { Principal } from "./auth.ts";
import type { ApiServices, Role } from "../onboarding/ports.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Roles allowed to call the route; required on every /v1 route. */
    roles?: readonly Role[];
    /** Audit action name; set on every write route. */
    audit?: string;
    /** Counts against the in-flight limit for heavy work (uploads, decisions). */
    heavy?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
    authFailure: Error | null;
    auditRequested: boolean;
  }
  interface FastifyReply {
    /** The problem code sent, set by the error handler (for the audit entry). */
    problemCode: string | null;
  }
}

export type ApiInstance = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface RouteContext {
  readonly services: ApiServices;
  readonly config: ApiConfig;
}
