/** Review queue routes: reviewers claim and decide borderline cases; auditors may list them. */
import type { ApiInstance, RouteContext } from "../route-context.ts";
import {
  CASE_PAGE_DEFAULT,
  CaseIdParams,
  CaseListQuery,
  ReviewCasePage,
  ReviewCaseView,
  ReviewDecisionBody,
  withProblems,
} from "../schemas.ts";

const TAGS = ["review"];
const security = [{ apiKey: [] }];

export function registerReviewRoutes(app: ApiInstance, { services }: RouteContext): void {
  app.get(
    "/review/cases",
    {
      config: { roles: ["reviewer", "auditor"] },
      // Query strings are text; the schema wants an integer and Ajv does not coerce (see app.ts).
      preValidation: async (request) => {
        const query = request.query as Record<string, unknown>;
        if (typeof query.limit === "string" && /^\d{1,4}$/.test(query.limit)) query.limit = Number(query.limit);
      },
      schema: {
        tags: TAGS,
        security,
        operationId: "listReviewCases",
        summary: "List review cases, oldest first",
        querystring: CaseListQuery,
        response: withProblems({ 200: ReviewCasePage }),
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query;
      // Ajv has filled the schema's default in; the fallback only satisfies the optional type.
      return services.review.list({
        limit: limit ?? CASE_PAGE_DEFAULT,
        ...(status ? { status } : {}),
        ...(cursor ? { cursor } : {}),
      });
    },
  );

  app.post(
    "/review/cases/:id/claim",
    {
      config: { roles: ["reviewer"], audit: "review.case.claim" },
      schema: {
        tags: TAGS,
        security,
        operationId: "claimReviewCase",
        summary: "Claim an open case",
        params: CaseIdParams,
        response: withProblems({ 200: ReviewCaseView }),
      },
    },
    async (request) => services.review.claim(request.params.id, request.principal!.keyId),
  );

  app.post(
    "/review/cases/:id/approve",
    {
      config: { roles: ["reviewer"], audit: "review.case.approve" },
      schema: {
        tags: TAGS,
        security,
        operationId: "approveReviewCase",
        summary: "Approve a case you claimed (queues its attestation)",
        params: CaseIdParams,
        body: ReviewDecisionBody,
        response: withProblems({ 200: ReviewCaseView }),
      },
    },
    async (request) => services.review.approve(request.params.id, request.principal!.keyId, request.body.comment),
  );

  app.post(
    "/review/cases/:id/reject",
    {
      config: { roles: ["reviewer"], audit: "review.case.reject" },
      schema: {
        tags: TAGS,
        security,
        operationId: "rejectReviewCase",
        summary: "Reject a case you claimed",
        params: CaseIdParams,
        body: ReviewDecisionBody,
        response: withProblems({ 200: ReviewCaseView }),
      },
    },
    async (request) => services.review.reject(request.params.id, request.principal!.keyId, request.body.comment),
  );
}
