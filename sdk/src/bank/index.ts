/** The bank's systems: a typed client of a node's HTTP API and its route table. */
export * from "./client.ts";
export * from "./routes.ts";
