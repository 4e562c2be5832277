# One image for every app; the compose file picks the entry point per service.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node infra/scripts/build.mjs && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The admin API's audit anchor file lives here (a volume in docker-compose.yml), writable by the app's user.
RUN mkdir -p /var/lib/alem/anchors && chown node:node /var/lib/alem/anchors
USER node
CMD ["node", "--max-old-space-size=512", "dist/apps/result-processor/src/main.js"]
