/**
 * The production chain tools, for a consortium operator:
 *
 *   node --import tsx scripts/production/cli.ts genesis      --input consortium.json --out besu/
 *   node --import tsx scripts/production/cli.ts deploy       --input members.json --rpc http://10.0.1.10:8545 --out deployment/ (--hsm | --key-env NAME)
 *   node --import tsx scripts/production/cli.ts node-configs --input banks.json --addresses deployment/addresses.json --out nodes/
 *   node --import tsx scripts/production/cli.ts propose admit --member bank-b.json --rpc ... --addresses deployment/addresses.json --hsm
 *   node --import tsx scripts/production/cli.ts approve --id 0 --rpc ... --addresses deployment/addresses.json --hsm
 *
 * Exit codes: 0 done, 2 bad input (the message names the field), 3 anything else (I/O, chain).
 */
import { readFileSync, statSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { Wallet, type Signer } from "ethers";
import { isKycnetError } from "@kycnet/sdk/errors";
import { createRpcProvider } from "../../node/src/ledger/provider.ts";
import { ProductionInputError, ProductionIoError } from "./errors.ts";
import { buildGenesisBundle, parseGenesisInput, writeGenesisBundle } from "./qbft-genesis.ts";
import { deployConsortium, parseDeploymentInput, writeDeployment } from "./deploy.ts";
import { buildNodeConfigs, parseAddresses, writeNodeConfigs } from "./node-config.ts";
import { approve, parseMemberPublication, propose, type GovernanceAction } from "./governance.ts";
import { address, integer } from "./input.ts";

const MAX_INPUT_BYTES = 4 * 1024 * 1024;

function readJson(path: string, field: string): unknown {
  let text: string;
  try {
    if (statSync(path).size > MAX_INPUT_BYTES)
      throw new ProductionInputError("VALUE_OUT_OF_RANGE", field, `${path} is larger than 4 MiB`);
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (isKycnetError(error)) throw error;
    throw new ProductionIoError(path, "read", error);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ProductionInputError("PRODUCTION_INPUT_INVALID", field, `${path} is not valid JSON`);
  }
}

const out = (line: string) => process.stdout.write(`${line}\n`);

interface SignerOptions {
  rpc: string;
  hsm?: boolean;
  keyEnv?: string;
}

function checkSignerOptions(o: SignerOptions): void {
  if ((o.hsm === true) === (o.keyEnv !== undefined))
    throw new ProductionInputError("PRODUCTION_INPUT_INVALID", "--hsm/--key-env", "give exactly one signer");
  if (!/^https?:\/\/\S+$/.test(o.rpc))
    throw new ProductionInputError("PRODUCTION_INPUT_INVALID", "--rpc", "must be an http(s) URL");
}

/** Runs `use` with the HSM-backed signer (production) or a one-off key from the environment. */
async function withSigner(
  o: SignerOptions,
  chainId: bigint | undefined,
  use: (signer: Signer) => Promise<void>,
): Promise<void> {
  checkSignerOptions(o);
  const key = o.keyEnv === undefined ? undefined : process.env[o.keyEnv];
  if (o.keyEnv !== undefined && (key === undefined || !/^0x[0-9a-fA-F]{64}$/.test(key))) {
    throw new ProductionInputError(
      "PRODUCTION_INPUT_INVALID",
      "--key-env",
      `${o.keyEnv} must hold a 0x-prefixed 32-byte private key`,
    );
  }
  // Besu's JSON-RPC wants a JWT (qbft-genesis.ts): KYCNET_RPC_JWT_KEY names the ES256 private key (PEM) to sign it.
  const jwtKey = process.env.KYCNET_RPC_JWT_KEY;
  const provider = createRpcProvider(o.rpc, {
    ...(chainId === undefined ? {} : { chainId }),
    ...(jwtKey ? { jwt: { privateKeyFile: jwtKey, algorithm: "ES256" as const, ttlSeconds: 300 } } : {}),
  });
  let close = async (): Promise<void> => undefined;
  try {
    let signer: Signer;
    if (key !== undefined) {
      signer = new Wallet(key, provider);
    } else {
      // Loaded only when used: PKCS#11 is a native module.
      const { pkcs11ConfigFromEnv } = await import("../../node/src/custody/pkcs11/config.ts");
      const { openPkcs11KeyManager } = await import("../../node/src/custody/pkcs11/pkcs11-key-manager.ts");
      const keys = await openPkcs11KeyManager(pkcs11ConfigFromEnv());
      close = () => keys.close();
      signer = keys.createSigner(provider);
    }
    await use(signer);
  } finally {
    await close();
    provider.destroy();
  }
}

const program = new Command("production")
  .description("kycnet production chain setup: Besu/QBFT genesis and configs, contract deployment, node configs")
  .showHelpAfterError()
  .exitOverride();

program
  .command("genesis")
  .description("write genesis.json, static-nodes.json, permissions and one Besu config.toml per validator")
  .requiredOption("--input <file>", "consortium chain description (JSON)")
  .requiredOption("--out <dir>", "output folder")
  .action((o: { input: string; out: string }) => {
    const bundle = buildGenesisBundle(parseGenesisInput(readJson(o.input, "--input")));
    const files = writeGenesisBundle(bundle, o.out);
    out(`chainId ${(bundle.genesis.config as { chainId: number }).chainId}, ${bundle.validators.length} validator(s):`);
    for (const v of bundle.validators)
      out(`  ${v.name.padEnd(20)} ${v.address}${v.enode === null ? "  (no enode)" : ""}`);
    out(`extraData ${bundle.extraData}`);
    for (const f of files) out(`wrote ${f}`);
    for (const w of bundle.warnings) out(`warning: ${w}`);
  });

program
  .command("deploy")
  .description("deploy the kycnet contracts with the genesis members; writes addresses.json and deployment.json")
  .requiredOption(
    "--input <file>",
    "chainId, threshold, members (name, account, peerIdBytes, transportPublicKey), auditors",
  )
  .requiredOption("--rpc <url>", "JSON-RPC of one of the consortium's nodes (internal network)")
  .requiredOption("--out <dir>", "output folder")
  .option("--hsm", "sign with the HSM token named by KYCNET_HSM_TOKEN_LABEL / KYCNET_HSM_PIN / KYCNET_HSM_MODULE")
  .option(
    "--key-env <name>",
    "sign with a one-off private key held in this environment variable (discard it afterwards)",
  )
  .action(async (o: { input: string; rpc: string; out: string; hsm?: boolean; keyEnv?: string }) => {
    checkSignerOptions(o);
    const input = parseDeploymentInput(readJson(o.input, "--input"));
    await withSigner(o, BigInt(input.chainId), async (deployer) => {
      out(
        `deploying from ${await deployer.getAddress()} to chain ${input.chainId} with ${input.members.length} genesis member(s), threshold ${input.threshold}`,
      );
      const record = await deployConsortium(deployer, input);
      const files = writeDeployment(record, o.out);
      out(`ConsortiumRegistry  ${record.addresses.consortium}`);
      out(`AttestationRegistry ${record.addresses.attestations}`);
      out(`ConsentRegistry     ${record.addresses.consents}`);
      out(`block ${record.blockNumber}; wrote ${files.addressesFile} and ${files.deploymentFile}`);
      out("next: admit the other banks by proposal and vote (docs/deployment.md, step 6)");
    });
  });

program
  .command("node-configs")
  .description("write each bank's node.json, checked exactly as `kycnet node start --config` checks it")
  .requiredOption("--input <file>", "chain endpoint, banks (HSM, API, p2p), shared sections")
  .requiredOption("--addresses <file>", "addresses.json from the deploy step")
  .requiredOption("--out <dir>", "output folder (one sub-folder per bank)")
  .action((o: { input: string; addresses: string; out: string }) => {
    const addresses = parseAddresses(readJson(o.addresses, "--addresses"));
    const configs = buildNodeConfigs(readJson(o.input, "--input"), addresses);
    const files = writeNodeConfigs(configs, o.out);
    configs.forEach((c, i) =>
      out(
        `${c.config.name.padEnd(24)} token ${c.config.custody.kind === "pkcs11" ? c.config.custody.tokenLabel : "-"}  wrote ${files[i]}`,
      ),
    );
  });

program
  .command("propose")
  .description("propose a consortium change, signed by this bank's key (counts as its approval)")
  .argument("<kind>", "admit | remove | rotate | endpoint | threshold")
  .requiredOption("--rpc <url>", "JSON-RPC of the consortium chain")
  .requiredOption("--addresses <file>", "addresses.json from the deploy step")
  .option("--member <file>", "admit, endpoint: the bank's published name, account, peerIdBytes, transportPublicKey")
  .option("--account <address>", "remove: the member's account")
  .option("--old <address>", "rotate: the member's current account")
  .option("--new <address>", "rotate: its new account")
  .option("--threshold <n>", "threshold: approvals needed from now on")
  .option("--hsm", "sign with this bank's HSM token (KYCNET_HSM_* environment)")
  .option("--key-env <name>", "sign with a private key held in this environment variable (rehearsals)")
  .action(
    async (
      kind: string,
      o: SignerOptions & {
        addresses: string;
        member?: string;
        account?: string;
        old?: string;
        new?: string;
        threshold?: string;
      },
    ) => {
      const { consortium } = parseAddresses(readJson(o.addresses, "--addresses"));
      const need = <T>(value: T | undefined, flag: string): T => {
        if (value === undefined)
          throw new ProductionInputError("PRODUCTION_INPUT_INVALID", flag, `is required for "${kind}"`);
        return value;
      };
      let action: GovernanceAction;
      switch (kind) {
        case "admit":
          action = {
            kind,
            member: parseMemberPublication(readJson(need(o.member, "--member"), "--member"), "--member"),
          };
          break;
        case "endpoint":
          action = {
            kind,
            member: parseMemberPublication(readJson(need(o.member, "--member"), "--member"), "--member"),
          };
          break;
        case "remove":
          action = { kind, account: address(need(o.account, "--account"), "--account") };
          break;
        case "rotate":
          action = {
            kind,
            oldAccount: address(need(o.old, "--old"), "--old"),
            newAccount: address(need(o.new, "--new"), "--new"),
          };
          break;
        case "threshold":
          action = { kind, threshold: integer(Number(need(o.threshold, "--threshold")), "--threshold", 1, 65535) };
          break;
        default:
          throw new ProductionInputError(
            "PRODUCTION_INPUT_INVALID",
            "<kind>",
            "must be admit, remove, rotate, endpoint or threshold",
          );
      }
      await withSigner(o, undefined, async (signer) => {
        const result = await propose(consortium, signer, action);
        out(
          `proposal ${result.proposalId} (${kind}) from ${await signer.getAddress()}: ${result.executed ? "executed (threshold reached)" : "waiting for approvals"}; tx ${result.transactionHash}`,
        );
      });
    },
  );

program
  .command("approve")
  .description("approve a proposal with this bank's key (it executes once the threshold is reached)")
  .requiredOption("--rpc <url>", "JSON-RPC of the consortium chain")
  .requiredOption("--addresses <file>", "addresses.json from the deploy step")
  .requiredOption("--id <n>", "proposal id")
  .option("--execute", "execute an already approved proposal instead of approving")
  .option("--hsm", "sign with this bank's HSM token (KYCNET_HSM_* environment)")
  .option("--key-env <name>", "sign with a private key held in this environment variable (rehearsals)")
  .action(async (o: SignerOptions & { addresses: string; id: string; execute?: boolean }) => {
    const { consortium } = parseAddresses(readJson(o.addresses, "--addresses"));
    if (!/^\d{1,18}$/.test(o.id))
      throw new ProductionInputError("PRODUCTION_INPUT_INVALID", "--id", "must be a proposal number");
    await withSigner(o, undefined, async (signer) => {
      const result = await approve(consortium, signer, BigInt(o.id), { execute: o.execute === true });
      out(
        `proposal ${result.proposalId}: ${result.executed ? "executed" : "approved, waiting for more approvals"}; tx ${result.transactionHash}`,
      );
    });
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  if (
    error instanceof ProductionInputError ||
    isKycnetError(error, "INVALID_ARGUMENT") ||
    (error instanceof ProductionIoError && error.details.action === "read")
  ) {
    process.stderr.write(`production: ${(error as ProductionInputError).code}: ${(error as Error).message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `production: ${isKycnetError(error) ? `${error.code}: ` : "error: "}${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(3);
}
