# The worker image: `ozonbot run` by default; docker/compose.yml also runs it as the action
# server (`ozonbot actions`). Built from the repository root:
#   docker build -f docker/worker.Dockerfile -t ozonbot-worker .
# No configuration or secret is baked in: everything comes from the environment at run time.

# --- build: the package and its pinned dependencies in a virtual environment ---------------
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
WORKDIR /src
# README.md: pyproject.toml names it as the package's readme, the build reads it.
COPY pyproject.toml README.md ./
COPY bot/ bot/
# A regular (not editable) install: the direct dependencies are pinned in pyproject.toml.
RUN /opt/venv/bin/pip install --no-cache-dir .
# The guard's learned models (spam, rudeness), as `make train` builds them: the worker only
# loads these arrays at start (bot/guard/learned.py).
COPY nlu/ nlu/
COPY knowledge/ knowledge/
RUN /opt/venv/bin/python -m bot.guard.training --out models/guard --nlu nlu --knowledge knowledge

# --- run: the virtual environment and the approved snippets, nothing else ------------------
FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OZONBOT_KNOWLEDGE_DIR=/app/knowledge \
    OZONBOT_NLU_DIR=/app/nlu
# A fixed numeric id, so orchestrators can check "not root" without reading /etc/passwd.
RUN useradd --system --uid 10001 --user-group --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin ozonbot
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The approved answer snippets ship with the code that renders them; a deployment can mount
# its own over /app/knowledge.
COPY knowledge/ knowledge/
# The NLU data the guard's spam model was trained on (buyers are never spam), kept beside it.
COPY nlu/ nlu/
COPY --from=build /src/models/guard models/guard

USER 10001:10001
# 8080: /healthz, /metrics, /push, /webhook (OZONBOT_HTTP_PORT); 5055: `ozonbot actions`.
EXPOSE 8080 5055
# Exec form: ozonbot is PID 1 and receives SIGTERM itself, so it drains the chats in flight
# (OZONBOT_GRACE_S) before it exits.
ENTRYPOINT ["ozonbot"]
CMD ["run"]
