#!/usr/bin/env bash
# Builds kubectl-kruise (OpenKruise's kubectl plugin, `kubectl-kruise rollout approve …`)
# from the github.com/openkruise/kruise-tools Go module and caches it outside the
# repository, keyed by version. Does nothing when the binary is already cached.
#
#   src/devcluster/build-kruise-tools.sh        # prints the binary's path on stdout
#
# Cache: ${KRT_CACHE:-$HOME/.cache/kruise-rollout-ts}/bin/kruise-tools-<version>/kubectl-kruise
#
# The version is pinned (KRUISE_TOOLS_VERSION) rather than resolved with `@latest`:
# the module proxy on the development machines serves pinned versions of
# github.com/openkruise/* but answers 403 to `@v/list` and `@latest`, so
# `go list -m -versions github.com/openkruise/kruise-tools` fails there.
set -euo pipefail

KRUISE_TOOLS_VERSION="${KRUISE_TOOLS_VERSION:-v1.2.2}"
CACHE="${KRT_CACHE:-$HOME/.cache/kruise-rollout-ts}"
MODULE=github.com/openkruise/kruise-tools
# Go lives in /usr/local/go on these machines; a non-login shell may not have it on PATH.
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "the go command is needed to build kubectl-kruise; install Go >= 1.23" >&2; exit 1; }
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 GOPROXY="${GOPROXY:-$(go env GOPROXY)}"

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

out="$CACHE/bin/kruise-tools-$KRUISE_TOOLS_VERSION"
if [[ -x "$out/kubectl-kruise" ]]; then
  log "kruise-tools $KRUISE_TOOLS_VERSION: cached in $out"
  echo "$out/kubectl-kruise"
  exit 0
fi

work="$CACHE/work/kruise-tools-$KRUISE_TOOLS_VERSION"
mkdir -p "$work" "$out.tmp"
cd "$work"
log "kruise-tools $KRUISE_TOOLS_VERSION: preparing the wrapper module"
[[ -f go.mod ]] || go mod init local/kruise-tools-bin >/dev/null 2>&1
info=$(go mod download -json "$MODULE@$KRUISE_TOOLS_VERSION")
gomod=$(printf '%s\n' "$info" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
commit=$(printf '%s\n' "$info" | sed -n 's/.*"Hash": "\(.*\)".*/\1/p')
[[ -n "$gomod" ]] || { printf '%s\n' "$info" >&2; log "cannot download $MODULE@$KRUISE_TOOLS_VERSION"; exit 1; }
# A dependency's replace directives never apply to its consumers: copy kruise-tools'
# own replaces (it pins golang.org/x/* below what its other requirements ask for).
while read -r from to ver; do
  [[ -n "$from" ]] && go mod edit -replace="$from=$to@$ver"
done < <(awk '/^replace \($/ {r=1; next} r && /^\)/ {r=0} r && $2=="=>" {print $1, $3, $4}
              /^replace [^(]/ && $3=="=>" {print $2, $4, $5}' "$gomod")
go get -tool "$MODULE/cmd/plugin@$KRUISE_TOOLS_VERSION" 2>&1 | tail -n 3 >&2

# The same version stamps as kruise-tools' own version.sh writes.
p=k8s.io/component-base/version
ldf="-s -w -X $p.gitVersion=$KRUISE_TOOLS_VERSION -X $p.gitCommit=${commit:-unknown} -X $p.gitTreeState=clean"
ldf="$ldf -X $p.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
log "kruise-tools $KRUISE_TOOLS_VERSION: compiling kubectl-kruise"
go build -v -trimpath -ldflags "$ldf" -o "$out.tmp/kubectl-kruise" "$MODULE/cmd/plugin" 2>&1 | progress kubectl-kruise
[[ ${PIPESTATUS[0]} -eq 0 ]] || { log "kubectl-kruise build failed"; exit 1; }
rm -rf "$out"; mv "$out.tmp" "$out"
log "kruise-tools $KRUISE_TOOLS_VERSION: built into $out"
echo "$out/kubectl-kruise"
