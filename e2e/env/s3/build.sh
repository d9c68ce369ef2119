#!/usr/bin/env bash
# Builds the S3 server of the test environment, SeaweedFS (Apache-2.0), from the Go module proxy at
# a pinned version: go/go.mod requires github.com/seaweedfs/seaweedfs and names its `weed` command
# as a tool (SeaweedFS publishes no semver tags, so the proxy serves a pseudo-version; its go.mod
# has a replace directive, so `go install pkg@version` refuses it and a wrapper module is needed).
# The binary is cached in ${VPO_CACHE_DIR:-~/.cache/vpo}/s3/<version-key>/bin/weed and not rebuilt
# when present. Prints the binary's path on stdout as its last line.
set -euo pipefail

# Pinned. Keep in step with go/go.mod.
SEAWEEDFS_VERSION=v0.0.0-20261109003541-7506e5f91cd6
# Bump when the build recipe changes so a cached binary is rebuilt.
RECIPE=1

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${VPO_CACHE_DIR:-$HOME/.cache/vpo}/s3/seaweedfs-${SEAWEEDFS_VERSION}_r${RECIPE}"
bin="${root}/bin"
log="${root}/build.log"
mkdir -p "$bin"

if [[ ! -x "$bin/weed" ]]; then
	command -v go >/dev/null || { echo "build.sh: 'go' not found on PATH (Go >= 1.26.6 is needed)" >&2; exit 1; }
	echo "build.sh: building seaweedfs ${SEAWEEDFS_VERSION} (log: ${log}; several minutes the first time)" >&2
	start=$SECONDS
	if ! (cd "$here/go" && CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -p=2 -trimpath -buildvcs=false" \
		go build -ldflags='-s -w' -o "$bin/weed.tmp" github.com/seaweedfs/seaweedfs/weed) >>"$log" 2>&1; then
		echo "build.sh: building seaweedfs failed; last lines of ${log}:" >&2
		tail -n 40 "$log" >&2
		exit 1
	fi
	mv "$bin/weed.tmp" "$bin/weed"
	echo "build.sh: built seaweedfs in $((SECONDS - start))s" >&2
fi
echo "$bin/weed"
