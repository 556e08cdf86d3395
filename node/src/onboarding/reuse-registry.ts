/**
 * Re-onboarding asks the national-ID registry again (issue 21): the issuing bank's MATCH is as old as
 * its attestation, and a card reported lost, stolen or cancelled since then must not open an account
 * here. Whether to ask is the rule set's `reuse.recheckRegistry`; a bank that turns it off takes the
 * source's answer, as re-onboarding did before.
 */
import { KycnetError } from "@kycnet/sdk/errors";
import { documentNumberKind, type RecordFields } from "@kycnet/sdk/protocol";
import type { IdentityCheckResult } from "../ekyc/checks/national-id/port.ts";
import { RULES_V1 } from "../ekyc/decision/rule-set.ts";
import type { DecisionContext } from "./onboarding-deps.ts";

/** The registry's answer today for the verified fields the issuing bank sent. */
export async function recheckRegistryAtReuse(
  { deps, timed }: DecisionContext,
  fields: RecordFields,
): Promise<IdentityCheckResult> {
  // Policy off: the issuing member checked the registry; its attestation is the evidence.
  if (!(deps.rules ?? RULES_V1).reuse.recheckRegistry) return { status: "MATCH" };
  // A passport holder is in no registry to ask, here or at the issuing member. Its attestation
  // stands for the check the same way: no rule set lets REGISTRY_NOT_APPLICABLE pass, so a
  // reviewer there approved the passport before it was anchored (rule-set.ts).
  if (documentNumberKind(fields.idNumber) === "PASSPORT") return { status: "MATCH" };
  const identity = fields.idNumber !== "" ? { idNumber: fields.idNumber } : { oldIdNumber: fields.oldIdNumber };
  if ((identity.idNumber ?? identity.oldIdNumber ?? "") === "" || fields.fullName === "" || fields.dateOfBirth === "") {
    const error = new KycnetError("REGISTRY_QUERY_INCOMPLETE", "the source record has no id, name or date of birth");
    return { status: "UNAVAILABLE", code: "REGISTRY_QUERY_INCOMPLETE", error };
  }
  return timed("registry", () =>
    deps.registry.checkIdentity({
      ...identity,
      fullName: fields.fullName,
      dateOfBirth: fields.dateOfBirth,
      sex: fields.sex,
      address: fields.address,
    }),
  );
}
