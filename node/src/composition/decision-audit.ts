/**
 * Every decision goes into the audit log with its outcome, level and reason codes (`decision.made`,
 * target the session id), the source of the auditor's counts by outcome and reason. A decorator
 * over the onboarding port, so the use case itself stays as it is. A decision asked for again is
 * the same decision: the report counts each session once.
 */
import type { AuditLog } from "../vault/audit-log.ts";
import type { OnboardingService } from "../onboarding/ports.ts";

export function withDecisionAudit(onboarding: OnboardingService, audit: Pick<AuditLog, "append">): OnboardingService {
  return new Proxy(onboarding, {
    get(target, key) {
      if (key === "decide")
        return async (sessionId: string) => {
          const decision = await target.decide(sessionId);
          await audit.append({
            actor: "node:onboarding",
            action: "decision.made",
            target: sessionId,
            details: {
              outcome: decision.outcome,
              assuranceLevel: decision.assuranceLevel,
              reasons: decision.reasons.map((r) => r.code).join(","),
              attestationUid: decision.attestationUid ?? null,
              reviewCaseId: decision.reviewCaseId ?? null,
            },
          });
          return decision;
        };
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
