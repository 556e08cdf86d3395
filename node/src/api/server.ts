/** Starts a built app listening, and stops it gracefully (in-flight requests finish, new ones get 503). */
import type { ApiInstance } from "./route-context.ts";

export interface ListenOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

export interface RunningServer {
  /** e.g. "http://127.0.0.1:8080" */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startServer(app: ApiInstance, options: ListenOptions): Promise<RunningServer> {
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    stop: () => app.close(),
  };
}
