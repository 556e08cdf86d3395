/** `@kycnet/sdk`: the error base and the protocol; each audience has its own entry point (see package.json `exports`). */
export * from "./errors.ts";
export * from "./protocol/index.ts";
