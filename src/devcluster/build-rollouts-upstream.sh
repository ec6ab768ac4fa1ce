#!/usr/bin/env bash
# Builds the upstream Kruise Rollout controller (github.com/openkruise/rollouts, the
# module root's main package, binary `rollouts`) and caches it outside the repository,
# keyed by version. Used only by `npm run bench` (side-by-side runs); never by CI.
# Does nothing when the binary is already cached.
#
#   src/devcluster/build-rollouts-upstream.sh        # prints the binary's path on stdout
#
# Cache: ${KRT_CACHE:-$HOME/.cache/kruise-rollout-ts}/bin/rollouts-<version>/rollouts
#
# The version is pinned (ROLLOUTS_VERSION): the module proxy on the development machines
# serves pinned versions of github.com/openkruise/* but answers 403 to `@v/list` and
# `@latest` — which also rules out `go install module@version` (it looks up the module's
# deprecation through `@v/list`). So the downloaded module source is copied to a work
# directory and built there as the main module: its own go.mod and go.sum pick exactly
# the dependency versions upstream released with (client-go v0.26, controller-runtime v0.14).
set -euo pipefail

ROLLOUTS_VERSION="${ROLLOUTS_VERSION:-v0.6.2}"
CACHE="${KRT_CACHE:-$HOME/.cache/kruise-rollout-ts}"
MODULE=github.com/openkruise/rollouts
# Go lives in /usr/local/go on these machines; a non-login shell may not have it on PATH.
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "the go command is needed to build the upstream rollouts controller" >&2; exit 1; }
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 GOPROXY="${GOPROXY:-$(go env GOPROXY)}"
# The checksum database may answer 404 for github.com/openkruise modules through this
# proxy while the modules themselves download; skip the sumdb lookup for them only.
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/openkruise"

log() { printf '[build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# go install -v prints each package as it is compiled; turn that into a progress line
# every 50 packages so a cold build visibly moves.
progress() {
  local name="$1" n=0
  while IFS= read -r line; do
    case "$line" in *" "*) printf '%s\n' "$line" >&2 ;; esac
    n=$((n + 1))
    if (( n % 50 == 0 )); then log "$name: $n packages compiled"; fi
  done
  log "$name: $n packages compiled in total"
}

out="$CACHE/bin/rollouts-$ROLLOUTS_VERSION"
if [[ -x "$out/rollouts" && -f "$out/config/webhook/manifests.yaml" ]]; then
  log "rollouts $ROLLOUTS_VERSION: cached in $out"
  echo "$out/rollouts"
  exit 0
fi

work="$CACHE/work/rollouts-$ROLLOUTS_VERSION"
if [[ ! -f "$work/go.mod" ]]; then
  rm -rf "$work"; mkdir -p "$CACHE/work"
  log "rollouts $ROLLOUTS_VERSION: downloading the module"
  info=$(cd "$CACHE/work" && go mod download -json "$MODULE@$ROLLOUTS_VERSION")
  src=$(printf '%s\n' "$info" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [[ -n "$src" && -f "$src/go.mod" ]] || { printf '%s\n' "$info" >&2; log "cannot download $MODULE@$ROLLOUTS_VERSION"; exit 1; }
  cp -r "$src" "$work"; chmod -R u+w "$work"
fi

if [[ ! -x "$out/rollouts" ]]; then
  rm -rf "$out.tmp"; mkdir -p "$out.tmp"
  log "rollouts $ROLLOUTS_VERSION: compiling (2-15 min cold on 2 cores)"
  (cd "$work" && go build -v -trimpath -ldflags "-s -w" -o "$out.tmp/rollouts" .) 2>&1 | progress rollouts
  [[ ${PIPESTATUS[0]} -eq 0 && -x "$out.tmp/rollouts" ]] || { log "rollouts build failed"; exit 1; }
  rm -rf "$out"; mv "$out.tmp" "$out"
fi
# What a run outside the cluster needs besides the binary, from the same release: the CRDs
# (config/crd/bases, without the conversion stanza kustomize would add), the webhook
# configurations and their objectSelector patch, and the built-in Lua scripts (read from
# ./lua_configuration relative to the working directory).
mkdir -p "$out/config/crd" "$out/config/webhook"
cp "$work"/config/crd/bases/*.yaml "$out/config/crd/"
cp "$work"/config/webhook/{manifests,patch_manifests}.yaml "$out/config/webhook/"
rm -rf "$out/lua_configuration"; cp -r "$work/lua_configuration" "$out/"
log "rollouts $ROLLOUTS_VERSION: ready in $out"
echo "$out/rollouts"
