# syntax=docker/dockerfile:1
# One static licenseflow binary (every command: run, localaws, stage, licensepush,
# appserver, infra) on distroless, as a non-root user. Used by docker-compose.yml
# and, pushed to ECR, by the license-push poller on Fargate (infra/template.yaml).

FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS=linux
ARG TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/licenseflow ./cmd/licenseflow \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/licenseflow /usr/local/bin/licenseflow
# The state directory, owned by the nonroot user (uid 65532) so a named
# volume mounted here is writable.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/licenseflow"]
CMD ["run", "--http", "0.0.0.0:8080", "--appserver", "0.0.0.0:8090", "--data", "/data"]
