# Lendwise API on Node (npm start) in a container. The model ships in models/; data lives in /data
# (embedded PGlite) unless DATABASE_URL points at a PostgreSQL server.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8787 DATA_DIR=/data
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY src ./src
COPY db ./db
COPY bot ./bot
COPY models ./models
# The recorded FRED series the server stores at start-up (src/macro/recorded.ts imports them).
COPY datasets/fred ./datasets/fred
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8787
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--import", "tsx", "src/server.ts"]
