# Rendered by the portal from the recipe go.
FROM 127.0.0.1:5000/base/go:1.19 AS build
WORKDIR /src
COPY . .
ENV CGO_ENABLED=0
RUN go build -buildvcs=false -trimpath -ldflags="-s -w" -o /out/hello ./.

FROM 127.0.0.1:5000/base/debian:12
WORKDIR /app
COPY --from=build --chown=10001:10001 /out/hello /app/hello
ENV PORT=8080
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/app/hello"]
