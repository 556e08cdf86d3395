/** The auditor's read-only checks over JSON-RPC, and the connection helpers they need. */
export * from "./auditor.ts";
export * from "./connect.ts";
export * from "./consent-events.ts";
export * from "./errors.ts";
export * from "./json.ts";
export * from "./signed-document.ts";
export * from "./audit-export.ts";
