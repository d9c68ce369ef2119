# syntax=docker/dockerfile:1
# One image for every vpo role: `vpo operator`, `vpo runtime --role ingest|backend`, and the CLI
# (`vpo plan`, `vpo run`, `vpo profile`). Node >= 24 runs the TypeScript sources directly (type
# stripping), so there is no build step: the .ts files are the program.
#
#   docker build -t REGISTRY/vpo:0.1.0 .            (or podman build; see docs/install.md)
#   scripts/build-image.sh                         (no Docker engine: buildah, and a Debian base
#                                                   made with debootstrap, passed as BASE)
#
# Runs as uid 10001 with a read-only root filesystem in mind: the only writable paths are the
# volumes a pod mounts at /tmp and /var/lib/vpo/frames (the shared frame store).
ARG BASE=node:24-bookworm-slim

FROM ${BASE} AS deps
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json ./
# --ignore-scripts: the root postinstall generates sample models and videos (development only),
# and onnxruntime-node's install script fetches CUDA provider files from outside the npm registry
# (its CPU and WebGPU providers are in the package). The binaries for other platforms go.
# Behind a TLS-intercepting proxy, pass its CA bundle as a build secret (never baked in):
#   docker build --secret id=ca,src=/path/to/ca-bundle.crt .
RUN --mount=type=secret,id=ca,required=false \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi \
 && if ! npm ci --omit=dev --ignore-scripts; then \
      echo 'WARNING: npm ci refused package-lock.json (out of sync with package.json);' \
           'installing the locked versions with npm install --no-save instead' >&2; \
      npm install --omit=dev --ignore-scripts --no-save; \
    fi \
 && npm cache clean --force \
 && platform="$(node -p 'process.platform + "/" + process.arch')" \
 && for dir in node_modules/onnxruntime-node/bin/napi-v*/*/*; do \
      case "$dir" in */"$platform") ;; *) rm -rf "$dir" ;; esac; \
    done

FROM ${BASE}
# ffmpeg decodes videos in the ingest role. The official node image lacks it; a base that already
# has it (scripts/image/make-base.sh) skips apt. Fails early on a base with Node < 24.
RUN node -e 'if (+process.versions.node.split(".")[0] < 24) { console.error(`vpo needs Node >= 24; the base has ${process.version}`); process.exit(1) }' \
 && if ! command -v ffmpeg >/dev/null; then \
      apt-get update \
      && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
      && rm -rf /var/lib/apt/lists/*; \
    fi \
 && groupadd --system --gid 10001 vpo \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin vpo \
 && mkdir -p /var/lib/vpo/frames \
 && chown 10001:10001 /var/lib/vpo/frames

WORKDIR /app
# Sources stay owned by root: the vpo user can read them, not change them.
COPY --from=deps /app/node_modules /app/node_modules
COPY . /app

ENV NODE_ENV=production \
    ONNXRUNTIME_NODE_INSTALL=skip
USER 10001:10001
ENTRYPOINT ["node", "/app/bin/vpo.ts"]
CMD ["--help"]
