#!/usr/bin/env bash
# The demo: installs what is missing, compiles the contracts, and runs the story in
# scripts/demo/story.ts against a local chain it starts and stops itself.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KYCNET_ROOT"
bash scripts/bootstrap.sh
# Again: on a fresh machine the bootstrap has just installed the pinned Node this needs on PATH.
source scripts/env.sh
npx hardhat build --quiet >/dev/null
exec node --import tsx scripts/demo/story.ts "$@"
