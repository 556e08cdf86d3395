/** The auditor's report and the audit log export for a period, signed by the node (auditor role). */
import type { ApiInstance, RouteContext } from "../route-context.ts";
import { AuditExportQuery, AuditReportQuery, SignedDocument, withProblems } from "../schemas.ts";

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

  app.get(
    "/audit/export",
    {
      config: { roles: ["auditor"] },
      schema: {
        tags: ["audit"],
        security: [{ apiKey: [] }],
        operationId: "getAuditExport",
        summary:
          "The audit log's entries for [from, to), the entries linking them to the next audit head anchored on chain, and those anchors (tx, block, count, head), as JSON signed by the node's HSM key (check it with verifyAuditExport)",
        querystring: AuditExportQuery,
        response: withProblems({ 200: SignedDocument }),
      },
    },
    async (request) => {
      const { from, to } = request.query;
      return services.reports.export({ from: new Date(from), to: new Date(to) });
    },
  );
}
