# Image for the webhook service.
#
#   docker build -t vaccination-helpdesk-ivr .
#   docker run --rm -e DATABASE_URL=postgresql+psycopg://... vaccination-helpdesk-ivr ivr db upgrade
#   docker run -p 8000:8000 -e DATABASE_URL=... -e PUBLIC_BASE_URL=... -e TWILIO_AUTH_TOKEN=... \
#       vaccination-helpdesk-ivr
#
# docker-compose.yml runs PostgreSQL, the migrations and two instances from this image.
# Migrations are a separate command, run once per release before the new containers start:
# instances starting side by side must not race each other to migrate the shared database.
# Behind a load balancer, set FORWARDED_ALLOW_IPS to its address so that --proxy-headers trusts it.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
RUN /opt/venv/bin/pip install --require-hashes -r /tmp/requirements.lock
WORKDIR /app
COPY . .
# Editable, like `make setup`: the migrations (alembic/) and pyproject.toml stay beside the code,
# where `ivr db upgrade` finds them.
RUN /opt/venv/bin/pip install --no-deps --no-build-isolation -e .

FROM python:3.11-slim
RUN groupadd --system --gid 10001 ivr \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin ivr
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
# var/ holds the SQLite database when DATABASE_URL is not set (a single instance only) and the
# spool of writes kept while the database is unreachable. A volume mounted on var/spool starts
# with this owner, so the service can write to it.
RUN mkdir -p /app/var/spool && chown -R 10001:10001 /app/var
# Time zone rules (Europe/Brussels) come from the locked tzdata package only, the same as in
# development, whatever the base image's Debian release ships in /usr/share/zoneinfo.
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PYTHONTZPATH="" \
    IVR_SPOOL_DIR=/app/var/spool
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=3)"]
CMD ["uvicorn", "app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers"]
