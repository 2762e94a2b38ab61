# planmap app image. The database is a separate PostGIS service (see docker-compose.yml).
FROM python:3.11-slim AS app

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/planmap

# A CJK font to embed in the town wall-map PDFs (WenQuanYi Micro Hei).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY geodata ./geodata
COPY frontend ./frontend
RUN pip install -e . && useradd --system --home /srv/planmap planmap
USER planmap

ENV PLANMAP_HOST=0.0.0.0 PLANMAP_PORT=8000
# `planmap serve` believes X-Forwarded-For only from these addresses/networks (the reverse proxy in front,
# e.g. the compose network of an nginx container); empty: nobody's, each connection is its own client.
ENV PLANMAP_TRUSTED_PROXIES=""
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz')" || exit 1
# Migrate and seed (both idempotent, the seed never overwrites edits), then serve.
CMD ["sh", "-c", "planmap db upgrade && planmap seed && planmap serve --workers 2"]
