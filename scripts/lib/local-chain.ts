/**
 * Starts a local development chain on 127.0.0.1 as a child process and stops it cleanly. Used by
 * the demo, the consortium script and benchmarks that need a JSON-RPC endpoint like production's
 * (the node only ever talks JSON-RPC to its chain). Two engines: Hardhat's EDR node (default) and
 * Foundry's Anvil, so tests can show the node is not tied to one implementation. Both use chain
 * id 31337 and the same dev accounts (mnemonic "test test ... junk", 10 000 ETH each).
 *
 * Known differences of Anvil 1.7 (automine), found by test/e2e/anvil.test.ts:
 * - blocks mined within the same second share its timestamp (Hardhat: each block at least one
 *   second after its parent, as real chains require); tests that compare "before" and "after" a
 *   transaction set `anvil_setBlockTimestampInterval` to 1, which detaches chain time from the
 *   wall clock, so it is not done here for every caller;
 * - eth_getLogs from a block above the head is an error (-32602 BlockOutOfRange), not [].
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface LocalChain {
  readonly engine: ChainEngine;
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

export type ChainEngine = "hardhat" | "anvil";

export interface LocalChainOptions {
  port?: number;
  timeoutMs?: number;
  /** Defaults to $KYCNET_CHAIN_ENGINE, else "hardhat". */
  engine?: ChainEngine;
}

/** The engine named by $KYCNET_CHAIN_ENGINE (unset or empty: "hardhat"); anything else is refused. */
export function chainEngineFromEnv(value: string | undefined = process.env.KYCNET_CHAIN_ENGINE): ChainEngine {
  if (value === undefined || value === "") return "hardhat";
  if (value === "hardhat" || value === "anvil") return value;
  throw new Error(`KYCNET_CHAIN_ENGINE must be "hardhat" or "anvil", got ${JSON.stringify(value)}`);
}

/**
 * Anvil's native binary from its npm platform package (@foundry-rs/anvil-<os>-<arch>), run
 * directly rather than through the package's node wrapper so that SIGTERM reaches Anvil itself.
 */
function anvilBinary(): string {
  const arch = ({ x64: "amd64", arm64: "arm64" } as Record<string, string | undefined>)[process.arch];
  if (arch === undefined) throw new Error(`no Anvil binary for ${process.platform}/${process.arch}`);
  const exe = process.platform === "win32" ? "anvil.exe" : "anvil";
  return `${ROOT}/node_modules/@foundry-rs/anvil-${process.platform}-${arch}/bin/${exe}`;
}

function spawnChain(engine: ChainEngine, port: number): ChildProcess {
  const stdio: ["ignore", "ignore", "pipe"] = ["ignore", "ignore", "pipe"];
  if (engine === "anvil") {
    // Anvil's defaults already match Hardhat's node (chain id 31337, same mnemonic, 10 000 ETH);
    // both are spelled out so a change of defaults upstream cannot silently split the engines.
    // 20 accounts like Hardhat (Anvil's default is 10).
    return spawn(
      anvilBinary(),
      [
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--chain-id",
        "31337",
        "--accounts",
        "20",
        "--mnemonic",
        "test test test test test test test test test test test junk",
        "--silent",
      ],
      { cwd: ROOT, stdio },
    );
  }
  return spawn(
    process.execPath,
    [`${ROOT}/node_modules/hardhat/dist/src/cli.js`, "node", "--hostname", "127.0.0.1", "--port", String(port)],
    { cwd: ROOT, stdio, env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" } },
  );
}

export async function startLocalChain(options: LocalChainOptions = {}): Promise<LocalChain> {
  const engine = options.engine ?? chainEngineFromEnv();
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawnChain(engine, port);
  // A binary that cannot start (e.g. missing platform package) reports through 'error'.
  let spawnError: Error | undefined;
  child.on("error", (error) => {
    spawnError = error;
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  // Not events.once: that rejects on 'error', which would go unhandled when the spawn fails.
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // A process ended by a signal has exitCode null and signalCode set.
  const running = (): boolean => child.exitCode === null && child.signalCode === null;

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  {
    for (;;) {
      if (spawnError !== undefined) throw new Error(`local chain (${engine}) could not start: ${spawnError.message}`);
      if (!running())
        throw new Error(`local chain (${engine}) exited (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`);
      try {
        const chainId = await rpcChainId(url);
        return {
          engine,
          url,
          chainId,
          async stop() {
            if (running()) {
              child.kill("SIGTERM");
              await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
              if (running()) child.kill("SIGKILL");
            }
          },
        };
      } catch {
        if (Date.now() > deadline) {
          child.kill("SIGKILL");
          throw new Error(`local chain (${engine}) did not answer on ${url} within the timeout: ${stderr.trim()}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
}

async function rpcChainId(url: string): Promise<bigint> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    signal: AbortSignal.timeout(2000),
  });
  const body = (await response.json()) as { result?: string };
  if (typeof body.result !== "string") throw new Error("no chain id");
  return BigInt(body.result);
}
