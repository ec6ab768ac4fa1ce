#!/usr/bin/env bash
# Builds the local control plane's binaries from Go modules and caches them
# outside the repository, keyed by version. Only missing binaries are built.
#
#   scripts/build-binaries.sh [k8s|etcd|kwok|all]
#
# Cache: ${KRT_CACHE:-$HOME/.cache/kruise-rollout-ts}/bin/<component>-<version>/
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.36.3}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
CACHE="${KRT_CACHE:-$HOME/.cache/kruise-rollout-ts}"
# Go lives in /usr/local/go on these machines; a non-login shell may not have it on PATH.
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "the go command is needed to build the control plane; install Go >= 1.26" >&2; exit 1; }
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 GOPROXY="${GOPROXY:-$(go env GOPROXY)}"

log() { printf '[build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# go build -v prints each package as it is compiled; turn that into a progress line
# every 50 packages so a cold build (many minutes) visibly moves.
progress() {
  local name="$1" n=0
  while IFS= read -r line; do
    # Package paths have no spaces; anything else is a compiler or go command message.
    case "$line" in *" "*) printf '%s\n' "$line" >&2 ;; esac
    n=$((n + 1))
    if (( n % 50 == 0 )); then log "$name: $n packages compiled"; fi
  done
  log "$name: $n packages compiled in total"
}

build_k8s() {
  local out="$CACHE/bin/kubernetes-$K8S_VERSION"
  if [[ -x "$out/kube-apiserver" && -x "$out/kube-controller-manager" && -x "$out/kube-scheduler" && -x "$out/kubectl" ]]; then
    log "kubernetes $K8S_VERSION: cached in $out"; return
  fi
  local work="$CACHE/work/kubernetes-$K8S_VERSION" stg="v0${K8S_VERSION#v1}"
  mkdir -p "$work" "$out.tmp"
  cd "$work"
  log "kubernetes $K8S_VERSION: preparing the wrapper module (downloads ~1 GB of modules on a cold cache)"
  [[ -f go.mod ]] || go mod init local/k8s-bins >/dev/null 2>&1
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and maps them with local
  # replaces that a consumer never sees: map each to its published v0.<minor>.<patch>.
  for m in $(awk '$1 ~ /^k8s\.io\// && $2=="v0.0.0" {print $1}' "$gomod" | sort -u); do
    go mod edit -replace="$m=$m@$stg"
  done
  if ! grep -q '^godebug' go.mod; then grep '^godebug' "$gomod" >> go.mod || true; fi
  go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION" "k8s.io/kubernetes/cmd/kubectl@$K8S_VERSION" 2>&1 | tail -n 3 >&2
  local minor ldf="-s -w" date
  minor=$(echo "${K8S_VERSION#v}" | cut -d. -f2)
  date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf="$ldf -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    ldf="$ldf -X $p.gitCommit=0000000000000000000000000000000000000000 -X $p.buildDate=$date"
  done
  log "kubernetes $K8S_VERSION: compiling kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (20-40 min cold on 2 cores)"
  go build -v -trimpath -tags selinux,notest -ldflags "$ldf" -o "$out.tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl 2>&1 | progress kubernetes
  [[ ${PIPESTATUS[0]} -eq 0 ]] || { log "kubernetes build failed"; exit 1; }
  rm -rf "$out"; mv "$out.tmp" "$out"
  log "kubernetes $K8S_VERSION: built into $out"
}

build_etcd() {
  local out="$CACHE/bin/etcd-$ETCD_VERSION"
  if [[ -x "$out/etcd" ]]; then log "etcd $ETCD_VERSION: cached in $out"; return; fi
  local work="$CACHE/work/etcd-$ETCD_VERSION"
  mkdir -p "$work" "$out.tmp"; cd "$work"
  [[ -f go.mod ]] || go mod init local/etcd-bin >/dev/null 2>&1
  log "etcd $ETCD_VERSION: fetching modules"
  go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION" 2>&1 | tail -n 3 >&2
  log "etcd $ETCD_VERSION: compiling"
  go build -v -trimpath -ldflags "-s -w" -o "$out.tmp/etcd" go.etcd.io/etcd/server/v3 2>&1 | progress etcd
  [[ ${PIPESTATUS[0]} -eq 0 ]] || { log "etcd build failed"; exit 1; }
  rm -rf "$out"; mv "$out.tmp" "$out"
  log "etcd $ETCD_VERSION: built into $out"
}

build_kwok() {
  local out="$CACHE/bin/kwok-$KWOK_VERSION"
  if [[ -x "$out/kwok" ]]; then log "kwok $KWOK_VERSION: cached in $out"; return; fi
  mkdir -p "$out.tmp"
  log "kwok $KWOK_VERSION: compiling"
  GOBIN="$out.tmp" GOFLAGS= go install -v -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" 2>&1 | progress kwok
  [[ ${PIPESTATUS[0]} -eq 0 ]] || { log "kwok build failed"; exit 1; }
  rm -rf "$out"; mv "$out.tmp" "$out"
  log "kwok $KWOK_VERSION: built into $out"
}

case "${1:-all}" in
  k8s) build_k8s ;;
  etcd) build_etcd ;;
  kwok) build_kwok ;;
  all) build_etcd; build_kwok; build_k8s ;;
  *) echo "usage: $0 [k8s|etcd|kwok|all]" >&2; exit 2 ;;
esac
