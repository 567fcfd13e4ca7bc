# The app image used by docker-compose.yml: Debian 12 with Python 3.11 and Node for the assets.
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm gdal-bin \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Editable: the app reads web/, postgis/ and layers/ beside the package.
RUN pip install --no-cache-dir -e .
EXPOSE 8000
CMD ["geoservice", "serve"]
