# One image for every role: `api` (default), `worker`, or any sharpline command.
# Stage 1 compiles the TypeScript once into dist/; stage 2 installs locked production dependencies;
# stage 3 is the slim, non-root runtime holding dist/ only (no sources, no compiler, no tsx).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# Only esbuild runs here, and it needs no install script (its binary is an optional package);
# skipping scripts also skips the root `prepare`, which would build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY core ./core
COPY history ./history
COPY features ./features
COPY training ./training
COPY registry ./registry
COPY models ./models
COPY web ./web
# The build also writes the migrated PGlite template (src/db/template.ts) under node_modules/.cache;
# the folder is made even if that failed, so the runtime stage's COPY of it always has a source.
RUN npm run build && mkdir -p node_modules/.cache/sharpline

FROM node:20-bookworm-slim AS deps
WORKDIR /app
# npm 10 (Node 20's) runs every dependency's install script: this keeps onnxruntime-node's from
# downloading CUDA files. (npm 11 skips it through package.json "allowScripts".)
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
# dist/ comes from the build stage, so the root `prepare` (the build) is dropped here.
RUN npm pkg delete scripts.prepare && npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 SHARPLINE_HOME=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# An embedded database (no DATABASE_URL) starts from this template instead of initdb + migrations;
# the runtime's node_modules is not writable by `node`, so it could not be built there on first use.
COPY --from=build /app/node_modules/.cache/sharpline ./node_modules/.cache/sharpline
COPY package.json ./
COPY bin ./bin
COPY docker-entrypoint.sh ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
ENTRYPOINT ["./docker-entrypoint.sh"]
CMD ["api"]
