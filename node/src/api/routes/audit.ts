/** The auditor's report for a period, signed by the node (auditor role). */
import type { ApiInstance, RouteContext } from "../route-context.ts";
import { AuditReportQuery, SignedDocument, withProblems } from "../schemas.ts";

export function registerAuditRoutes(app: ApiInstance, { services }: RouteContext): void {
  app.get(
    "/audit/report",
    {
      config: { roles: ["auditor"] },
      schema: {
        tags: ["audit"],
        security: [{ apiKey: [] }],
        operationId: "getAuditReport",
        summary:
          "Attestations, decisions by outcome and reason, review actions and disclosures for [from, to), as JSON or CSV, signed by the node's HSM key",
        querystring: AuditReportQuery,
        response: withProblems({ 200: SignedDocument }),
      },
    },
    async (request) => {
      const { from, to, format } = request.query;
      return services.reports.report({ from: new Date(from), to: new Date(to), format: format ?? "json" });
    },
  );
}
