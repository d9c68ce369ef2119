#!/usr/bin/env bash
# Builds the Kubernetes parts of the e2e environment from the Go module proxy at pinned versions:
# etcd, one multi-call kube binary (apiserver, controller-manager, scheduler), kwok and helm.
# Binaries are cached in ${VPO_CACHE_DIR:-~/.cache/vpo}/k8s/<versions-key>/bin; a binary that is
# already there is not rebuilt. Prints the bin directory on stdout as its last line.
set -euo pipefail

# Pinned versions. Keep in step with go/kube/go.mod and go/etcd/go.mod.
K8S_VERSION=v1.36.3
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
HELM_VERSION=v3.22.0
# Bump when the build recipe changes (flags, wrapper code) so cached binaries are rebuilt.
RECIPE=2

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
key="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_helm-${HELM_VERSION}_r${RECIPE}"
root="${VPO_CACHE_DIR:-$HOME/.cache/vpo}/k8s/${key}"
bin="${root}/bin"
logs="${root}/logs"
mkdir -p "$bin" "$logs"

command -v go >/dev/null || { echo "build.sh: 'go' not found on PATH (Go >= 1.26 is needed)" >&2; exit 1; }
export GOFLAGS="${GOFLAGS:-} -p=2 -trimpath -buildvcs=false"
export CGO_ENABLED=0
ldflags='-s -w'

# run <name> <log> <command...>: runs a build step, logging to a file; prints the tail on failure.
run() {
	local name="$1" log="$2"
	shift 2
	local start=$SECONDS
	echo "build.sh: building ${name} (log: ${log})" >&2
	if ! "$@" >>"$log" 2>&1; then
		echo "build.sh: building ${name} failed; last lines of ${log}:" >&2
		tail -n 40 "$log" >&2
		exit 1
	fi
	echo "build.sh: built ${name} in $((SECONDS - start))s" >&2
}

build_module() { # build_module <dir> <output> [extra ldflags]
	(cd "$1" && go mod download && go build -ldflags="$ldflags ${3:-}" -o "$2.tmp" . && mv "$2.tmp" "$2")
}

# What `kubectl version` and Helm's kubeVersion checks read; upstream sets these from git at release.
k8s_minor="${K8S_VERSION#v1.}"
k8s_minor="${k8s_minor%%.*}"
kube_version_flags=""
for kv in "gitVersion=${K8S_VERSION}" gitMajor=1 "gitMinor=${k8s_minor}" gitTreeState=clean; do
	kube_version_flags+=" -X k8s.io/component-base/version.${kv} -X k8s.io/client-go/pkg/version.${kv}"
done

install_tool() { # install_tool <package@version> <output> [extra ldflags]
	local gobin
	gobin="$(mktemp -d "${root}/gobin.XXXXXX")"
	GOBIN="$gobin" go install -ldflags="$ldflags ${3:-}" "$1" &&
		mv "$gobin/$(basename "${1%@*}")" "$2" && rmdir "$gobin"
}

if [[ ! -x "$bin/kube" ]]; then
	run "kube ${K8S_VERSION}" "$logs/kube.log" build_module "$here/go/kube" "$bin/kube" "$kube_version_flags"
fi
for component in apiserver controller-manager scheduler; do
	ln -sf kube "$bin/kube-${component}"
done
if [[ ! -x "$bin/etcd" ]]; then
	run "etcd ${ETCD_VERSION}" "$logs/etcd.log" build_module "$here/go/etcd" "$bin/etcd"
fi
if [[ ! -x "$bin/kwok" ]]; then
	run "kwok ${KWOK_VERSION}" "$logs/kwok.log" install_tool "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}" "$bin/kwok"
fi
if [[ ! -x "$bin/helm" ]]; then
	run "helm ${HELM_VERSION}" "$logs/helm.log" install_tool "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}" "$bin/helm" \
		"-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION} -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
fi
echo "$bin"
