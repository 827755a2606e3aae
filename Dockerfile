# One image for every Medusa service; compose.yaml picks the entry point.
FROM oven/bun:1.4.5-slim
WORKDIR /app
COPY package.json package-lock.json bunfig.toml ./
COPY packages packages
COPY services services
COPY node node
COPY apps apps
COPY clients/python/medusa.py clients/python/medusa.py
RUN bun install --production --ignore-scripts
ENV MEDUSA_DATA_DIR=/data
USER bun
