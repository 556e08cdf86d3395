/**
 * Chain lookups shared by every side: the contracts' ABIs, the consortium's addresses file, and an
 * attestation's proof from its uid alone.
 */
export * from "./abis.ts";
export * from "./attestation-lookup.ts";
export * from "./addresses.ts";
export * from "./audit-anchors.ts";
