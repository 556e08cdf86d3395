#!/usr/bin/env bash
# One development node: a local chain, contracts, a SoftHSM token, a funded account, the registry
# simulator and one node (scripts/dev/start.ts). Installs what is missing first, like the demo.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KYCNET_ROOT"
if [ "${KYCNET_SKIP_BOOTSTRAP:-}" != "1" ]; then
  bash scripts/bootstrap.sh
  source scripts/env.sh
fi
npx hardhat build --quiet >/dev/null
exec node --import tsx scripts/dev/start.ts "$@"
