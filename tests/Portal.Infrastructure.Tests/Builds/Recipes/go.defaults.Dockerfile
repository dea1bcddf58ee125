# Rendered by the portal from the recipe go.
FROM golang:1.22-bookworm AS build
WORKDIR /src
COPY . .
ENV CGO_ENABLED=0
RUN go build -buildvcs=false -trimpath -ldflags="-s -w" -o /out/app ./.

FROM debian:bookworm-slim
WORKDIR /app
COPY --from=build --chown=10001:10001 /out/app /app/app
ENV PORT=8080
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/app/app"]
