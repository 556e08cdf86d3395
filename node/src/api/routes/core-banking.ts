/**
 * Core-banking routes: the verified identity behind an attestation, for the bank's core systems
 * (each read audited by the vault), and the webhook outbox for the operator (what waits, what was
 * delivered, what was dead-lettered, and sending a dead one again).
 */
import type { Hex } from "@kycnet/sdk/protocol";
import type { ApiInstance, RouteContext } from "../route-context.ts";
import {
  AccountClosedView,
  CloseAccountBody,
  UidParams,
  VerifiedIdentityView,
  WebhookMessageIdParams,
  WebhookMessagePage,
  WebhookMessageQuery,
  WebhookMessageView,
  withProblems,
} from "../schemas.ts";

const security = [{ apiKey: [] }];

export function registerCoreBankingRoutes(app: ApiInstance, { services }: RouteContext): void {
  app.get(
    "/records/:uid",
    {
      config: { roles: ["core-banking"] },
      schema: {
        tags: ["core-banking"],
        security,
        operationId: "getVerifiedRecord",
        summary: "The verified identity behind an attestation this bank issued (each read is audited)",
        params: UidParams,
        response: withProblems({ 200: VerifiedIdentityView }),
      },
    },
    async (request) => services.records.readIdentity(request.params.uid.toLowerCase() as Hex, request.principal!.keyId),
  );

  app.post(
    "/records/:uid/close",
    {
      config: { roles: ["core-banking", "operator"], audit: "record.account.close" },
      schema: {
        tags: ["core-banking"],
        security,
        operationId: "closeAccount",
        summary: "The customer's account closed: start the record's retention period (the sweep shreds it after)",
        params: UidParams,
        body: CloseAccountBody,
        response: withProblems({ 200: AccountClosedView }),
      },
    },
    async (request) => {
      const { closedAt, retentionClass } = request.body;
      return services.records.closeAccount(
        request.params.uid.toLowerCase() as Hex,
        {
          ...(closedAt === undefined ? {} : { closedAt: new Date(closedAt) }),
          ...(retentionClass === undefined ? {} : { retentionClass }),
        },
        request.principal!.keyId,
      );
    },
  );

  app.get(
    "/webhooks/messages",
    {
      config: { roles: ["operator"] },
      // Query strings are text; the schema wants an integer and Ajv does not coerce (see app.ts).
      preValidation: async (request) => {
        const query = request.query as Record<string, unknown>;
        if (typeof query.limit === "string" && /^\d{1,4}$/.test(query.limit)) query.limit = Number(query.limit);
      },
      schema: {
        tags: ["core-banking"],
        security,
        operationId: "listWebhookMessages",
        summary: "Webhook messages (pending, delivered, dead-lettered) in id order, with counts by status",
        querystring: WebhookMessageQuery,
        response: withProblems({ 200: WebhookMessagePage }),
      },
    },
    async (request) => services.webhooks.list({ ...request.query, limit: request.query.limit ?? 50 }),
  );

  app.post(
    "/webhooks/messages/:id/redrive",
    {
      config: { roles: ["operator"], audit: "webhook.redrive" },
      schema: {
        tags: ["core-banking"],
        security,
        operationId: "redriveWebhookMessage",
        summary: "Send a dead-lettered webhook message again (its attempts start over)",
        params: WebhookMessageIdParams,
        response: withProblems({ 200: WebhookMessageView }),
      },
    },
    async (request) => services.webhooks.redrive(request.params.id, request.principal!.keyId),
  );
}
