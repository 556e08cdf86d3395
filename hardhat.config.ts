import { defineConfig } from "hardhat/config";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatEthersChaiMatchers from "@nomicfoundation/hardhat-ethers-chai-matchers";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import { createRequire } from "node:module";

// Solidity compiles offline: the compiler is the solc package's soljson.js (pinned in
// package.json), never a download. Its version must match the package's.
const require = createRequire(import.meta.url);
const solcPackage = require("solc/package.json") as { version: string };

export default defineConfig({
  plugins: [hardhatEthers, hardhatMocha, hardhatEthersChaiMatchers, hardhatNetworkHelpers],
  solidity: {
    version: solcPackage.version,
    path: require.resolve("solc/soljson.js"),
    settings: {
      evmVersion: "prague",
      optimizer: { enabled: true, runs: 1000 },
    },
  },
  paths: {
    sources: "./contracts",
    tests: { mocha: "./test" },
  },
  test: {
    mocha: {
      timeout: 120_000,
      reporter: "./scripts/mocha-reporter.cjs",
    },
  },
  networks: {
    localhost: { type: "http", url: process.env.KYCNET_RPC_URL ?? "http://127.0.0.1:8545" },
  },
});
