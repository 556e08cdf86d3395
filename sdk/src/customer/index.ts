/**
 * The customer SDK: subject keys, the encrypted wallet, consent signing, and the customer's chain history.
 * Runs in a browser and in React Native (Web Crypto only); the wallet file helpers for Node apps are in
 * `@kycnet/sdk/customer/node` (node.ts), so nothing here imports a `node:` module.
 */
export * from "./errors.ts";
export * from "./subject-key.ts";
export * from "./wallet.ts";
export * from "./consent.ts";
export * from "./history.ts";
export * from "./liveness.ts";
export * from "./collection-consent.ts";
