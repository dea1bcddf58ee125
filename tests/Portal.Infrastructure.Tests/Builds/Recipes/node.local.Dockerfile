# Rendered by the portal from the recipe node.
FROM 127.0.0.1:5000/base/node:18 AS build
WORKDIR /app
COPY . .
RUN ["npm", "install"]

FROM 127.0.0.1:5000/base/node:18
RUN mkdir -p /home/app && chown 10001:10001 /home/app
WORKDIR /app
COPY --from=build --chown=10001:10001 /app /app
ENV NODE_ENV=production HOME=/home/app PORT=3000
USER 10001:10001
EXPOSE 3000
CMD ["node", "server.js"]
