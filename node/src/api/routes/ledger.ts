/** Chain-facing routes: attestation and consent status (every role), attestation revocation (operator). */
import type { Hex } from "@kycnet/sdk/protocol";
import type { ApiInstance, RouteContext } from "../route-context.ts";
import {
  AttestationStatusView,
  ConsentParams,
  ConsentRevocationRelayed,
  ConsentRevokeBody,
  ConsentStatusView,
  RevocationResult,
  RevokeBody,
  UidParams,
  withProblems,
} from "../schemas.ts";
import { ApiError } from "../errors.ts";

const security = [{ apiKey: [] }];

export function registerLedgerRoutes(app: ApiInstance, { services }: RouteContext): void {
  app.get(
    "/attestations/:uid/status",
    {
      config: { roles: ["operator", "reviewer", "auditor"] },
      schema: {
        tags: ["attestations"],
        security,
        operationId: "getAttestationStatus",
        summary: "Status of an attestation: VALID, REVOKED, EXPIRED, UNKNOWN, or PENDING (queued for anchoring)",
        params: UidParams,
        response: withProblems({ 200: AttestationStatusView }),
      },
    },
    async (request) => services.ledger.attestationStatus(request.params.uid.toLowerCase() as Hex),
  );

  app.post(
    "/attestations/:uid/revoke",
    {
      config: { roles: ["operator"], audit: "attestation.revoke" },
      schema: {
        tags: ["attestations"],
        security,
        operationId: "revokeAttestation",
        summary: "Revoke an attestation this bank issued, at once (not batched)",
        params: UidParams,
        body: RevokeBody,
        response: withProblems({ 200: RevocationResult }),
      },
    },
    async (request) => services.attestations.revoke(request.params.uid.toLowerCase() as Hex, request.body.reason),
  );

  app.get(
    "/consents/:id/status",
    {
      config: { roles: ["operator", "reviewer", "auditor"] },
      schema: {
        tags: ["consents"],
        security,
        operationId: "getConsentStatus",
        summary: "Status of a consent: NONE, ACTIVE, REVOKED or EXPIRED",
        params: ConsentParams,
        response: withProblems({ 200: ConsentStatusView }),
      },
    },
    async (request) => services.ledger.consentStatus(request.params.id.toLowerCase() as Hex),
  );

  app.post(
    "/consents/:id/revoke",
    {
      config: { roles: ["operator"], audit: "consent.revoke.relay" },
      schema: {
        tags: ["consents"],
        security,
        operationId: "relayConsentRevocation",
        summary: "Relay a customer's signed consent revocation to the chain, at once",
        description:
          "Any member may relay; the ConsentRegistry checks the subject's EIP-712 signature, nonce and deadline.",
        params: ConsentParams,
        body: ConsentRevokeBody,
        response: withProblems({ 200: ConsentRevocationRelayed }),
      },
    },
    async (request) => {
      const consentId = request.params.id.toLowerCase() as Hex;
      if (request.body.revocation.consentId.toLowerCase() !== consentId) {
        throw new ApiError("INVALID_ARGUMENT", "revocation.consentId must be the consent in the path");
      }
      return services.consents.relayRevocation(
        { ...request.body.revocation, consentId },
        request.body.signature as Hex,
      );
    },
  );
}
