# The plugin's sidecar image: Node 24, kubectl (whose kustomize builds the app) and
# wildcard-egress, running as Argo CD's user 999. Build from the repository root after
# `npm ci` (which builds dist/):
#   docker build -f examples/argocd/sidecar.Dockerfile -t registry.example.com/argocd-cmp-wildcard-egress:0.1.0 .
ARG NODE_IMAGE=node:24-bookworm-slim
FROM ${NODE_IMAGE}
ARG KUBECTL_VERSION=v1.32.4
ADD --chmod=0755 https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/amd64/kubectl /usr/local/bin/kubectl
# dist/ whole: the command wildcard-egress.js, the bundle fn.js and the subcommands' files; the
# code cache that wildcard-egress.js starts fn.js from is written for this image's node.
COPY dist/ /usr/local/lib/wildcard-egress/
RUN node /usr/local/lib/wildcard-egress/write-code-cache.js \
 && ln -s /usr/local/lib/wildcard-egress/wildcard-egress.js /usr/local/bin/wildcard-egress
COPY examples/argocd/plugin.yaml /home/argocd/cmp-server/config/plugin.yaml
USER 999
