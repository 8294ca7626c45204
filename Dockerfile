# vigie: multi-stage image; runs the same service on PostgreSQL from VIGIE_DATABASE_URL.
# Build: docker build -t vigie .   Run: docker run -e VIGIE_DATABASE_URL=postgresql+psycopg://... -p 8000:8000 vigie

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml ./
COPY app ./app
COPY badge_readers ./badge_readers
COPY camera_ingest ./camera_ingest
# Dependencies only: the code itself runs from /srv/vigie so that alembic.ini and
# migrations/ sit beside it, as in a checkout.
RUN python -m venv /opt/vigie \
 && /opt/vigie/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/vigie/bin/pip install --no-cache-dir . \
 && /opt/vigie/bin/pip uninstall --yes vigie

FROM python:3.11-slim AS runtime
RUN useradd --system --uid 10001 --home-dir /srv/vigie --create-home vigie
COPY --from=build /opt/vigie /opt/vigie
WORKDIR /srv/vigie
COPY --chown=root:root alembic.ini ./
COPY --chown=root:root migrations ./migrations
COPY --chown=root:root app ./app
COPY --chown=root:root badge_readers ./badge_readers
COPY --chown=root:root camera_ingest ./camera_ingest
ENV PATH=/opt/vigie/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VIGIE_HOST=0.0.0.0 \
    VIGIE_PORT=8000 \
    VIGIE_VAR_DIR=/srv/vigie/var
USER vigie
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status != 200)"]
CMD ["sh", "-c", "python -m app migrate && exec python -m app serve --workers ${VIGIE_WORKERS:-2}"]
