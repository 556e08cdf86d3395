/**
 * Serves an in-process Hardhat network over HTTP JSON-RPC on loopback, so a child process (the
 * production CLI) can talk to it the way it talks to a Besu node. Single and batch requests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { once } from "node:events";

interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}
interface RpcRequest {
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

export async function serveRpc(provider: Eip1193): Promise<{ url: string; close(): Promise<void> }> {
  const answer = async (req: RpcRequest) => {
    try {
      const result = await provider.request({
        method: String(req.method),
        params: Array.isArray(req.params) ? req.params : [],
      });
      return { jsonrpc: "2.0", id: req.id ?? null, result };
    } catch (error) {
      const e = error as { code?: number; message?: string; data?: unknown };
      return {
        jsonrpc: "2.0",
        id: req.id ?? null,
        error: { code: typeof e.code === "number" ? e.code : -32000, message: e.message ?? "error", data: e.data },
      };
    }
  };
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RpcRequest | RpcRequest[];
    const reply = Array.isArray(body) ? await Promise.all(body.map(answer)) : await answer(body);
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify(reply, (_k, v: unknown) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)));
  };
  // node:http ignores a handler's promise; `void` says so (a failure stays an unhandled rejection, as before).
  const server: Server = createServer((request, response) => void handle(request, response));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
