/**
 * The OpenAPI document's top level (info, licence, servers, tags, security scheme) and the hook that
 * writes each route's allowed roles into its operation. The roles come from the route's
 * `config.roles`, the very list the guard enforces (`guard.ts`), so the document cannot drift from
 * what the API accepts. The document is linted with Redocly's `recommended` rules in
 * `test/node/api/openapi.test.ts`.
 */
import type { FastifyDynamicSwaggerOptions } from "@fastify/swagger";
import type { RouteOptions } from "fastify";
import type { ApiInstance } from "./route-context.ts";

export const API_VERSION = "1.0.0";

/** The extension listing the roles allowed to call an operation (`["operator", "auditor"]`). */
export const ROLES_EXTENSION = "x-roles";

export const OPENAPI_DOCUMENT: NonNullable<FastifyDynamicSwaggerOptions["openapi"]> = {
  openapi: "3.0.3",
  info: {
    title: "kycnet bank node API",
    version: API_VERSION,
    description:
      "Onboarding (full eKYC), review queue, attestation and consent status, revocation. " +
      "Errors are RFC 9457 problem+json with a stable `code`. Authenticate with `Authorization: Bearer <api key>`; " +
      "each operation lists the roles its key may hold in `x-roles`.",
    license: { name: "Apache-2.0", url: "https://www.apache.org/licenses/LICENSE-2.0" },
  },
  // Relative: the document is served by the node it describes, whatever its host name.
  servers: [{ url: "/", description: "this node" }],
  components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "kycnet API key" } } },
  tags: [
    { name: "onboarding", description: "Full eKYC and re-onboarding sessions: documents, liveness, decision" },
    { name: "review", description: "The queue of borderline cases reviewers claim, approve or reject" },
    { name: "attestations", description: "Attestation status on chain and revocation" },
    { name: "consents", description: "Consent status and relayed revocations" },
    {
      name: "core-banking",
      description: "The verified identity for the bank's core systems, and the webhook outbox that tells them",
    },
    {
      name: "data-subjects",
      description: "Decree 13 requests from the customer through the bank's app: access, correction, deletion",
    },
    { name: "audit", description: "The auditor's signed report for a period" },
    { name: "observability", description: "Liveness, readiness and Prometheus metrics; public, no API key" },
  ],
};

interface DocumentedSchema {
  description?: string;
  [ROLES_EXTENSION]?: readonly string[];
}

/**
 * Adds `x-roles` and a sentence naming the roles to every route that declares roles. Must be
 * registered before the routes (fastify runs onRoute hooks for routes added afterwards).
 */
export function documentRoles(app: ApiInstance): void {
  app.addHook("onRoute", (route: RouteOptions & { schema?: DocumentedSchema }) => {
    const { roles } = route.config ?? {};
    const { schema } = route;
    // A GET's HEAD twin shares its schema object: document it once.
    if (roles === undefined || schema === undefined || schema[ROLES_EXTENSION] !== undefined) return;
    const sentence = `Roles allowed: ${roles.join(", ")}.`;
    schema[ROLES_EXTENSION] = [...roles];
    schema.description = schema.description === undefined ? sentence : `${schema.description}\n\n${sentence}`;
  });
}
