# One image for every dialplane service (gateway, subgraphs, worker, simulators); docker-compose.yml
# picks the entry point per service. Compiled JS only: tsx costs 12-15% throughput under load.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The explorer's and console's browser bundles (npm run build runs scripts/build-ui.ts).
COPY --from=build /app/ui-build ./ui-build
# The gateway reads the composed supergraph at start (SUPERGRAPH_PATH).
COPY --from=build /app/schema ./schema
# The trusted-documents manifest the gateway enforces in production (GATEWAY_TRUSTED_DOCUMENTS_PATH).
COPY --from=build /app/examples/generated/trusted/persisted-documents.json ./examples/generated/trusted/persisted-documents.json
USER node
CMD ["node", "dist/gateway/index.js"]
