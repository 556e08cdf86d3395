/**
 * Decree 13 data-subject requests: the bank's app submits the customer's request (operator key);
 * access is answered at once, deletion is done or refused with its legal reason, correction waits
 * for the operator; operators and auditors list them with their deadlines.
 */
import type { Hex } from "@kycnet/sdk/protocol";
import type { ApiInstance, RouteContext } from "../route-context.ts";
import {
  DataSubjectRequestBody,
  DataSubjectRequestList,
  DataSubjectRequestQuery,
  DataSubjectRequestView,
  withProblems,
} from "../schemas.ts";

const security = [{ apiKey: [] }];

export function registerDataSubjectRoutes(app: ApiInstance, { services }: RouteContext): void {
  app.post(
    "/data-subject-requests",
    {
      config: { roles: ["operator"], audit: "dsr.submit" },
      schema: {
        tags: ["data-subjects"],
        security,
        operationId: "submitDataSubjectRequest",
        summary: "A customer's access, correction or deletion request (Decree 13), answered within 72 hours",
        body: DataSubjectRequestBody,
        response: withProblems({ 201: DataSubjectRequestView }),
      },
    },
    async (request, reply) => {
      const { attestationUid, kind, fields } = request.body;
      const view = await services.dataSubjects.submit(
        { attestationUid: attestationUid.toLowerCase() as Hex, kind, ...(fields === undefined ? {} : { fields }) },
        request.principal!.keyId,
      );
      return reply.code(201).send(view);
    },
  );

  app.get(
    "/data-subject-requests",
    {
      config: { roles: ["operator", "auditor"] },
      schema: {
        tags: ["data-subjects"],
        security,
        operationId: "listDataSubjectRequests",
        summary: "Data-subject requests with their status and deadline, oldest first",
        querystring: DataSubjectRequestQuery,
        response: withProblems({ 200: DataSubjectRequestList }),
      },
    },
    async (request) => ({
      requests: await services.dataSubjects.list(
        request.query.status === undefined ? {} : { status: request.query.status },
      ),
    }),
  );
}
