/**
 * `@kycnet/sdk/customer/node`: the customer SDK for Node.js apps and tools: everything of
 * `@kycnet/sdk/customer` plus the wallet on disk (wallet-file.ts, `node:fs`). Kept out of the browser
 * entry point so that a web or React Native bundle never reaches a Node built-in.
 */
export * from "./index.ts";
export * from "./wallet-file.ts";
