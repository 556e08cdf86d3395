/** The customer SDK: subject keys, the encrypted wallet, consent signing, and the customer's chain history. */
export * from "./errors.ts";
export * from "./subject-key.ts";
export * from "./wallet.ts";
export * from "./wallet-file.ts";
export * from "./consent.ts";
export * from "./history.ts";
