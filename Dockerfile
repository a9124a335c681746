# feedback-miner: multi-stage build, runs as a non-root user, entrypoint is the CLI.
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json tsconfig.json ./
RUN npm install --no-audit --no-fund --ignore-scripts
COPY src ./src
COPY connectors ./connectors
COPY detectors ./detectors
COPY builders ./builders
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production DOTENV_CONFIG_QUIET=true
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY sql ./sql
COPY examples ./examples
RUN useradd --system --uid 10001 --home /data miner && mkdir -p /data && chown miner /data
USER miner
WORKDIR /data
EXPOSE 9464
ENTRYPOINT ["node", "/app/dist/src/cli.js"]
CMD ["--help"]
