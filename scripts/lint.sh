#!/usr/bin/env bash
# Every static check, each named as it runs; exits non-zero if any fails (all of them run):
#   dependency rules (dependency-cruiser: layering and no cycles, see docs/architecture.md §2),
#   ESLint (typescript-eslint, type-checked), prettier (120 columns), solhint (recommended).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KYCNET_ROOT"
failed=()
run() {
  local name="$1"; shift
  echo "== lint: $name"
  "$@" || failed+=("$name")
}
run "dependency rules" npx depcruise --no-progress node/src sdk/src
run "eslint" npx eslint --max-warnings 0 .
run "prettier" npx prettier --check --log-level warn .
run "solhint" npx solhint --max-warnings 0 --disc 'contracts/**/*.sol'
if [ ${#failed[@]} -gt 0 ]; then
  echo "lint failed: ${failed[*]}" >&2
  exit 1
fi
echo "lint: clean"
