/**
 * The node API operations this client calls, by OpenAPI operationId, method and path. A test
 * (test/sdk/bank/client.test.ts) checks this table against the OpenAPI document a real node
 * serves, so the client cannot drift from the API unnoticed.
 */
export const BANK_API_ROUTES = {
  createOnboardingSession: { method: "POST", path: "/v1/onboarding/sessions" },
  createReuseSession: { method: "POST", path: "/v1/onboarding/reuse-sessions" },
  recordCollectionConsent: { method: "POST", path: "/v1/onboarding/sessions/{id}/collection-consent" },
  uploadDocument: { method: "PUT", path: "/v1/onboarding/sessions/{id}/documents/{side}" },
  readDocumentFields: { method: "POST", path: "/v1/onboarding/sessions/{id}/document-reading" },
  confirmDocumentFields: { method: "POST", path: "/v1/onboarding/sessions/{id}/field-confirmation" },
  createLivenessChallenge: { method: "POST", path: "/v1/onboarding/sessions/{id}/liveness-challenge" },
  createChipChallenge: { method: "POST", path: "/v1/onboarding/sessions/{id}/chip-challenge" },
  uploadChip: { method: "PUT", path: "/v1/onboarding/sessions/{id}/chip" },
  uploadSelfieFrames: { method: "POST", path: "/v1/onboarding/sessions/{id}/selfie" },
  decideOnboarding: { method: "POST", path: "/v1/onboarding/sessions/{id}/decision" },
  getOnboardingSession: { method: "GET", path: "/v1/onboarding/sessions/{id}" },
  listReviewCases: { method: "GET", path: "/v1/review/cases" },
  claimReviewCase: { method: "POST", path: "/v1/review/cases/{id}/claim" },
  approveReviewCase: { method: "POST", path: "/v1/review/cases/{id}/approve" },
  rejectReviewCase: { method: "POST", path: "/v1/review/cases/{id}/reject" },
  getAttestationStatus: { method: "GET", path: "/v1/attestations/{uid}/status" },
  revokeAttestation: { method: "POST", path: "/v1/attestations/{uid}/revoke" },
  getConsentStatus: { method: "GET", path: "/v1/consents/{id}/status" },
  relayConsentRevocation: { method: "POST", path: "/v1/consents/{id}/revoke" },
  getVerifiedRecord: { method: "GET", path: "/v1/records/{uid}" },
  closeAccount: { method: "POST", path: "/v1/records/{uid}/close" },
  getAuditReport: { method: "GET", path: "/v1/audit/report" },
  getAuditExport: { method: "GET", path: "/v1/audit/export" },
  submitDataSubjectRequest: { method: "POST", path: "/v1/data-subject-requests" },
  listDataSubjectRequests: { method: "GET", path: "/v1/data-subject-requests" },
} as const;

export type OperationId = keyof typeof BANK_API_ROUTES;
