/** Chain lookups shared by every side: the contracts' ABIs and an attestation's proof from its uid alone. */
export * from "./abis.ts";
export * from "./attestation-lookup.ts";
