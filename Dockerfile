# The Messages API as a static binary on distroless, running as non-root.
#
#   docker build -t messages-api --build-arg VERSION="$(git describe --tags --always --dirty)" .
#   docker run --rm -p 3010:3010 -p 9090:9090 \
#     -e AUTH0_DOMAIN=example.eu.auth0.com \
#     -e AUTH0_AUDIENCE=https://messages-api.example.com \
#     -e ADMIN_ADDR=:9090 messages-api
#
# CI (.ci/dockerfile-build.sh) runs the "RUN CGO_ENABLED=0 go build" line
# below verbatim (with its -o pointed at a temporary directory): keep the
# whole build command on that one line, and keep it the only one.

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Dependencies first: this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
# The context has no .git for Go to stamp a version from, so the build
# sets the one messages_api_build_info reports (empty: "(devel)").
ARG VERSION=""
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X github.com/example/messages-api/internal/adapters/admin.releaseVersion=${VERSION}" -o /out/api ./cmd/api

# static-debian12 has CA certificates (for the tenant's https JWKS), tzdata
# and /etc/passwd with the nonroot user (uid/gid 65532), and no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/api /api
# Kubernetes cannot check runAsNonRoot against a user name: the Deployment
# sets runAsUser/runAsGroup 65532, which is this same user.
USER nonroot
# 3010: the API (PORT). 9090: /healthz, /readyz and /metrics, served only
# when ADMIN_ADDR is set to :9090 (its default is 127.0.0.1:9090).
EXPOSE 3010 9090
ENTRYPOINT ["/api"]
