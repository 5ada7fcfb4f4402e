# The agent and the indexer in one image (node:20-slim, non-root). Build: docker build -t treasury-manager .
# Run: see docker-compose.yml and docs/deploy.md. Only runtime dependencies are installed (no Hardhat,
# no compiler): the contracts are deployed once from a development checkout (npm run deploy:guardrails).
FROM node:20-slim

ENV NODE_ENV=production \
    PONDER_TELEMETRY_DISABLED=true \
    AGENT_DATA_DIR=/data \
    APP_DIR=/app
WORKDIR /app

# Dependencies first (cached while the sources change): the two workspaces' runtime packages only.
COPY package.json package-lock.json tsconfig.json ./
COPY agent/package.json agent/package.json
COPY indexer/package.json indexer/package.json
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund --workspace agent --workspace indexer \
 && npm cache clean --force

COPY lib lib
COPY agent agent
COPY indexer indexer
COPY deployments deployments
COPY scripts/deploy/entrypoint.sh scripts/deploy/entrypoint.sh

# A system user without a shell or a writable home; /data holds only what the agent must keep
# (the embedded journal when ALLOW_EMBEDDED_JOURNAL=true, the lock of its data folder).
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin treasury \
 && mkdir -p /data /app/indexer/.ponder \
 && chown treasury:treasury /data /app/indexer/.ponder
USER treasury
VOLUME ["/data"]
EXPOSE 9464 42069

ENTRYPOINT ["/app/scripts/deploy/entrypoint.sh"]
CMD ["agent", "run"]
