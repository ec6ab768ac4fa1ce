#!/usr/bin/env bash
# Builds vela-core (github.com/oam-dev/kubevela/cmd/core) and the vela CLI
# (github.com/oam-dev/kubevela/references/cmd/cli) from the Go module and caches them
# outside the repository, keyed by version. Only missing binaries are built.
#
#   src/devcluster/build-kubevela.sh [core|cli|all]
#
# Cache: ${KRT_CACHE:-$HOME/.cache/kruise-rollout-ts}/bin/kubevela-<version>/{vela-core,vela}
#
# The kubevela module has replace directives, so `go install …@version` is refused by the
# go command: a wrapper module requires the module and carries its replace lines, which are
# read from the module's own go.mod (located with `go mod download -json`).
#
# KUBEVELA_VERSION: v1.11.0 is the newest version the Go module proxy serves here (its
# version list answers 403; v1.11.1, v1.12.0 and v1.11.0-alpha.4 are "not available") and it
# builds with go1.26.
set -euo pipefail

KUBEVELA_VERSION="${KUBEVELA_VERSION:-v1.11.0}"
MODULE=github.com/oam-dev/kubevela
CACHE="${KRT_CACHE:-$HOME/.cache/kruise-rollout-ts}"
OUT="$CACHE/bin/kubevela-$KUBEVELA_VERSION"
WORK="$CACHE/work/kubevela-$KUBEVELA_VERSION"
# Go lives in /usr/local/go on these machines; a non-login shell may not have it on PATH.
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "the go command is needed to build KubeVela; install Go >= 1.26" >&2; exit 1; }
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 GOPROXY="${GOPROXY:-$(go env GOPROXY)}"

log() { printf '[build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# go build -v prints each package as it is compiled; turn that into a progress line
# every 50 packages so a cold build (many minutes) visibly moves.
progress() {
  local name="$1" n=0
  while IFS= read -r line; do
    case "$line" in *" "*) printf '%s\n' "$line" >&2 ;; esac
    n=$((n + 1))
    if (( n % 50 == 0 )); then log "$name: $n packages compiled"; fi
  done
  log "$name: $n packages compiled in total"
}

# Prints the replace directives of a go.mod (block and single-line forms) as
# `old[ version]=new[@version]` arguments for `go mod edit -replace`.
replaces() {
  awk '
    function emit(s,   a, n, i, lhs, rhs) {
      sub(/\/\/.*/, "", s); n = split(s, a, /[ \t]+/)
      # fields: old [oldver] => new [newver]
      lhs = ""; rhs = ""; i = 1
      while (i <= n && a[i] == "") i++
      lhs = a[i++]
      if (a[i] != "=>") lhs = lhs "@" a[i++]
      i++
      rhs = a[i++]
      if (i <= n && a[i] != "") rhs = rhs "@" a[i]
      print lhs "=" rhs
    }
    /^replace[ \t]*\(/ { inblock = 1; next }
    inblock && /^\)/ { inblock = 0; next }
    inblock && /=>/ { emit($0); next }
    /^replace[ \t]/ && /=>/ { line = $0; sub(/^replace[ \t]+/, "", line); emit(line) }
  ' "$1"
}

prepare() {
  mkdir -p "$WORK"
  cd "$WORK"
  if [[ -f .ready ]]; then return; fi
  log "kubevela $KUBEVELA_VERSION: preparing the wrapper module (downloads several hundred MB of modules on a cold cache)"
  rm -f go.mod go.sum
  go mod init local/kubevela-bins >/dev/null 2>&1
  local info gomod dir
  info=$(go mod download -json "$MODULE@$KUBEVELA_VERSION")
  gomod=$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' <<<"$info")
  dir=$(sed -n 's/.*"Dir": "\(.*\)".*/\1/p' <<<"$info")
  [[ -n "$gomod" && -f "$gomod" ]] || { log "cannot download $MODULE@$KUBEVELA_VERSION"; exit 1; }
  # Start from the module's own go.sum: its replace targets include pseudo-versions
  # (github.com/kmodules/apiserver-runtime) that the checksum database does not know, so
  # the hashes the kubevela maintainers recorded are the ones to verify against.
  if [[ -f "$dir/go.sum" ]]; then cp "$dir/go.sum" go.sum; chmod u+w go.sum; fi
  local r
  for r in $(replaces "$gomod"); do go mod edit -replace="$r"; done
  if grep -q '^godebug' "$gomod"; then grep '^godebug' "$gomod" >> go.mod; fi
  go get -tool "$MODULE/cmd/core@$KUBEVELA_VERSION" "$MODULE/references/cmd/cli@$KUBEVELA_VERSION" 2>&1 | tail -n 3 >&2
  [[ ${PIPESTATUS[0]} -eq 0 ]] || { log "go get failed"; exit 1; }
  touch .ready
}

ldflags() {
  local p="$MODULE/version"
  echo "-s -w -X $p.VelaVersion=$KUBEVELA_VERSION -X $p.GitRevision=git-$KUBEVELA_VERSION"
}

build_one() {
  local name="$1" pkg="$2"
  if [[ -x "$OUT/$name" ]]; then log "kubevela $KUBEVELA_VERSION: $name cached in $OUT"; return; fi
  prepare
  mkdir -p "$OUT"
  log "kubevela $KUBEVELA_VERSION: compiling $name (vela-core ~35 min, vela ~3 min more, cold on 2 cores)"
  go build -v -trimpath -ldflags "$(ldflags)" -o "$OUT/$name.tmp" "$pkg" 2>&1 | progress "$name"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || { log "$name build failed"; rm -f "$OUT/$name.tmp"; exit 1; }
  mv "$OUT/$name.tmp" "$OUT/$name"
  log "kubevela $KUBEVELA_VERSION: $name built into $OUT/$name"
}

case "${1:-all}" in
  core) build_one vela-core "$MODULE/cmd/core" ;;
  cli) build_one vela "$MODULE/references/cmd/cli" ;;
  all) build_one vela-core "$MODULE/cmd/core"; build_one vela "$MODULE/references/cmd/cli" ;;
  version) echo "$KUBEVELA_VERSION" ;;
  *) echo "usage: $0 [core|cli|all|version]" >&2; exit 2 ;;
esac
