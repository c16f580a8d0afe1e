# syntax=docker/dockerfile:1
# The chat server with its H5 client and operator console, for deploy/compose.yaml.
#   docker build -t wechat-chat .
#   docker run -p 3000:3000 -v chat-data:/data wechat-chat      # embedded: SQLite in /data

# ── build: the whole workspace, from the lockfile ────────────────────────────────────
FROM node:20-bookworm AS build
WORKDIR /src
ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0 CI=true
RUN corepack enable
# Manifests first, so the dependency layer is reused while only sources change.
# better-sqlite3 is compiled here (python3, make and g++ are in this image).
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY packages/protocol/package.json packages/protocol/
COPY apps/server/package.json apps/server/
COPY apps/client/package.json apps/client/
COPY apps/admin/package.json apps/admin/
RUN pnpm install --frozen-lockfile
COPY packages packages
COPY apps apps
COPY scripts/backup.mjs scripts/
RUN pnpm --filter @chat/server build \
 && pnpm --filter @chat/admin build \
 && pnpm --filter @chat/client build:h5
# The server's production dependencies only (no dev tools), with their built addons.
RUN pnpm --filter @chat/server deploy --prod --legacy /out/apps/server \
 && rm -rf /out/apps/server/src /out/apps/server/test /out/apps/server/bench \
 && mkdir -p /out/apps/server/dist /out/apps/admin/dist /out/apps/client/dist/build/h5 /out/scripts \
 && cp scripts/backup.mjs /out/scripts/ \
 && cp -r apps/server/dist/. /out/apps/server/dist/ \
 && cp -r apps/admin/dist/. /out/apps/admin/dist/ \
 && cp -r apps/client/dist/build/h5/. /out/apps/client/dist/build/h5/

# ── run: node, the built files and a data volume; no compilers, no sources ───────────
FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=root:root /out/ /app/
RUN mkdir -p /data && chown node:node /data
VOLUME /data
# The official image's unprivileged user.
USER node
EXPOSE 3000
# /readyz: 200 only while this node's database (and Redis, when set) answer.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Run node itself (not pnpm) so SIGTERM reaches the server and the drain runs.
CMD ["node", "apps/server/dist/main.js"]
