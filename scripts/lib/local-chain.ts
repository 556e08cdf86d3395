/**
 * Starts a local development chain (Hardhat's EDR node on 127.0.0.1) as a child process and
 * stops it cleanly. Used by the demo, the consortium script and benchmarks that need a JSON-RPC
 * endpoint like production's (the node only ever talks JSON-RPC to its chain).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface LocalChain {
  readonly url: string;
  readonly chainId: bigint;
  stop(): Promise<void>;
}

/** A free TCP port on loopback (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("could not get a free port");
  return address.port;
}

export async function startLocalChain(options: { port?: number; timeoutMs?: number } = {}): Promise<LocalChain> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    [`${ROOT}/node_modules/hardhat/dist/src/cli.js`, "node", "--hostname", "127.0.0.1", "--port", String(port)],
    { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" } },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = once(child, "exit");

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`local chain exited (${child.exitCode}): ${stderr.trim()}`);
      try {
        const chainId = await rpcChainId(url);
        return {
          url,
          chainId,
          async stop() {
            if (child.exitCode === null) {
              child.kill("SIGTERM");
              await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
              if (child.exitCode === null) child.kill("SIGKILL");
            }
          },
        };
      } catch {
        if (Date.now() > deadline) {
          child.kill("SIGKILL");
          throw new Error(`local chain did not answer on ${url} within the timeout: ${stderr.trim()}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
}

async function rpcChainId(url: string): Promise<bigint> {
  const response = await fetch(url, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    signal: AbortSignal.timeout(2000),
  });
  const body = (await response.json()) as { result?: string };
  if (typeof body.result !== "string") throw new Error("no chain id");
  return BigInt(body.result);
}
