#!/usr/bin/env bash
# Runs every test of the project: installs what is missing first (scripts/bootstrap.sh), checks
# types and lint (scripts/lint.sh: layering, ESLint, prettier, solhint), then runs all test files
# (*.test.ts under test/) with mocha on Hardhat's network.
# Extra arguments are passed to mocha's file list, e.g. `bash scripts/test.sh test/sdk/*.test.ts`;
# lint runs only for the whole suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KYCNET_ROOT"
bash scripts/bootstrap.sh
# Again: on a fresh machine the bootstrap has just installed the pinned Node this needs on PATH.
source scripts/env.sh

echo "== typecheck (tsc --noEmit)"
npx tsc --noEmit -p tsconfig.json

if [ $# -eq 0 ]; then bash scripts/lint.sh; fi

echo "== tests"
if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' | sort); fi
exec npx hardhat test mocha "${files[@]}"
