# Rendered by the portal from the recipe node.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN command -v pnpm >/dev/null \
 || npm install --global --no-fund --no-audit pnpm
RUN ["pnpm", "install", "--prod=false"]

FROM node:20-bookworm-slim
RUN mkdir -p /home/app && chown 10001:10001 /home/app
WORKDIR /app
COPY --from=build --chown=10001:10001 /app /app
ENV NODE_ENV=production HOME=/home/app PORT=3000
USER 10001:10001
EXPOSE 3000
CMD ["node", "dist/main.js"]
