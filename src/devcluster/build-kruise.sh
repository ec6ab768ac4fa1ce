#!/usr/bin/env bash
# Builds kruise-manager (OpenKruise's controller + webhook server, the module root's
# main package) from the github.com/openkruise/kruise Go module and caches it outside
# the repository, keyed by version. Does nothing when the binary is already cached.
#
#   src/devcluster/build-kruise.sh        # prints the binary's path on stdout
#
# Cache: ${KRT_CACHE:-$HOME/.cache/kruise-rollout-ts}/bin/kruise-<version>/kruise-manager, and
# beside it crds/: the module's config/crd/bases (all of them: kruise-manager refuses to start
# when one it indexes is missing, e.g. ImagePullJob).
#
# The version is pinned (KRUISE_VERSION) rather than resolved with `@latest`: the
# module proxy on the development machines serves pinned versions of
# github.com/openkruise/* but answers 403 to `@v/list` and `@latest`.
#
# A dependency's replace directives never apply to its consumers, so the wrapper
# module copies kruise's own replaces (k8s.io/* staging modules pinned to v0.<minor>,
# golang.org/x/sys pinned low, ...) mechanically from the downloaded go.mod.
set -euo pipefail

KRUISE_VERSION="${KRUISE_VERSION:-v1.9.0}"
CACHE="${KRT_CACHE:-$HOME/.cache/kruise-rollout-ts}"
MODULE=github.com/openkruise/kruise
# Go lives in /usr/local/go on these machines; a non-login shell may not have it on PATH.
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "the go command is needed to build kruise-manager; install Go >= 1.23" >&2; exit 1; }
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 GOPROXY="${GOPROXY:-$(go env GOPROXY)}"
# The checksum database answers 404 for github.com/openkruise/kruise@v1.9.0 through this proxy
# (`verifying go.mod: ... sumdb ... 404 Not Found`); the module itself downloads. Skip the
# sumdb lookup for openkruise modules only (their go.sum entries are still recorded).
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/openkruise"

log() { printf '[build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# go build -v prints each package as it is compiled; turn that into a progress line
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

out="$CACHE/bin/kruise-$KRUISE_VERSION"

# Copies the module's CRDs into $1/crds (the module is downloaded if the cache lacks it).
copy_crds() {
  local dir
  dir=$(cd "${TMPDIR:-/tmp}" && GOFLAGS=-mod=mod go mod download -json "$MODULE@$KRUISE_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [[ -d "$dir/config/crd/bases" ]] || { log "no config/crd/bases in $MODULE@$KRUISE_VERSION"; return 1; }
  mkdir -p "$1/crds"
  cp "$dir"/config/crd/bases/*.yaml "$1/crds/"
  chmod u+w "$1"/crds/*.yaml
}

if [[ -x "$out/kruise-manager" ]]; then
  [[ -d "$out/crds" ]] || copy_crds "$out"
  log "kruise $KRUISE_VERSION: cached in $out"
  echo "$out/kruise-manager"
  exit 0
fi

work="$CACHE/work/kruise-$KRUISE_VERSION"
mkdir -p "$work" "$out.tmp"
cd "$work"
log "kruise $KRUISE_VERSION: preparing the wrapper module"
[[ -f go.mod ]] || go mod init local/kruise-bin >/dev/null 2>&1
info=$(go mod download -json "$MODULE@$KRUISE_VERSION")
gomod=$(printf '%s\n' "$info" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
[[ -n "$gomod" ]] || { printf '%s\n' "$info" >&2; log "cannot download $MODULE@$KRUISE_VERSION"; exit 1; }
# Copy kruise's own replaces into the wrapper (both the block and the one-line form).
while read -r from to ver; do
  [[ -n "$from" ]] && go mod edit -replace="$from=$to@$ver"
done < <(awk '/^replace \($/ {r=1; next} r && /^\)/ {r=0} r && $2=="=>" {print $1, $3, $4}
              /^replace [^(]/ && $3=="=>" {print $2, $4, $5}' "$gomod")
if ! grep -q '^godebug' go.mod; then grep '^godebug' "$gomod" >> go.mod || true; fi
go get -tool "$MODULE@$KRUISE_VERSION" 2>&1 | tail -n 3 >&2

log "kruise $KRUISE_VERSION: compiling kruise-manager (10-25 min cold on 2 cores)"
go build -v -trimpath -ldflags "-s -w" -o "$out.tmp/kruise-manager" "$MODULE" 2>&1 | progress kruise-manager
[[ ${PIPESTATUS[0]} -eq 0 ]] || { log "kruise-manager build failed"; exit 1; }
copy_crds "$out.tmp"
rm -rf "$out"; mv "$out.tmp" "$out"
log "kruise $KRUISE_VERSION: built into $out"
echo "$out/kruise-manager"
