/** The kycnet protocol: vocabulary, canonical fields, commitments, attestation UIDs, consent. */
export * from "./vocabulary.ts";
export * from "./bytes.ts";
export * from "./field-mask.ts";
export * from "./canonical.ts";
export * from "./document-number.ts";
export * from "./random.ts";
export * from "./commitments.ts";
export * from "./attestation.ts";
export * from "./consent.ts";
export * from "./audit-chain.ts";
