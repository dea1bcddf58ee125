# Rendered by the portal from the recipe static.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN ["npm", "install"]
RUN ["npm", "run", "build"]

FROM busybox:1.36
WORKDIR /srv/www
COPY --from=build --chown=10001:10001 /src/dist/ /srv/www/
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["busybox", "httpd", "-f", "-v", "-p", "8080", "-h", "/srv/www"]
