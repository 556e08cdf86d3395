/** The bank's systems: a typed client of a node's HTTP API, its route table and its request/response shapes. */
export * from "./client.ts";
export * from "./routes.ts";
export * from "./wire.ts";
export * from "./chip-upload.ts";
