# The event processor image. Build: docker build -t registry.example.com/tenant-cdc-processor:0.1.0 .
# Runs as a non-root user and writes nothing to its filesystem, so it works with readOnlyRootFilesystem.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.imports.json ./
COPY imports/*.ts imports/
COPY src src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/lib lib
COPY --from=build /app/imports/*.js imports/
USER 10001:10001
EXPOSE 8080
CMD ["node", "lib/processor/main.js"]
