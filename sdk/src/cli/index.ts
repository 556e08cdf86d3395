/** The logic of `kycnet audit` (Node only: it reads files); the command itself is wired in the node's CLI. */
export * from "./audit.ts";
