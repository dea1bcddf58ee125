# Rendered by the portal from the recipe go.
FROM golang:1.23-bookworm AS build
WORKDIR /src
COPY . .
ENV CGO_ENABLED=0
RUN go build -buildvcs=false -trimpath -ldflags="-s -w" -o /out/api ./cmd/server

FROM debian:bookworm-slim
WORKDIR /app
COPY --from=build --chown=10001:10001 /out/api /app/api
ENV PORT=9000
USER 10001:10001
EXPOSE 9000
ENTRYPOINT ["/app/api"]
