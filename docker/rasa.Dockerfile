# The Rasa server image: the official Rasa 3.6.21 (the version requirements-rasa.txt pins), the
# project's custom components (policies/) and input channel, and a model trained while the image is built, so
# the image is self-contained and the model always matches nlu/, stories/ and config.yml.
# Built from the repository root:
#   docker build -f docker/rasa.Dockerfile -t ozonbot-rasa .
# The official image runs as user 1001 with HOME and WORKDIR /app, and its entrypoint is `rasa`.

# --- train ----------------------------------------------------------------------------------
FROM rasa/rasa:3.6.21 AS train

ENV RASA_TELEMETRY_ENABLED=false \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    TF_CPP_MIN_LOG_LEVEL=2
WORKDIR /app
COPY config.yml domain.yml ./
# config.yml names the components of policies/ (the intent classifier, the escalation policy,
# ...): training imports them (PYTHONPATH).
COPY policies/ policies/
COPY nlu/ nlu/
COPY stories/ stories/
# The same command as scripts/train. The model goes under /app, not /tmp: the base image
# declares /tmp a volume, and what a build step writes into a volume is not kept.
RUN rasa train --config config.yml --domain domain.yml --data nlu stories \
        --out models --fixed-model-name ozonbot --augmentation 0

# --- serve ----------------------------------------------------------------------------------
FROM rasa/rasa:3.6.21

ENV RASA_TELEMETRY_ENABLED=false \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    TF_CPP_MIN_LOG_LEVEL=2
WORKDIR /app
# The model carries config.yml and domain.yml; at run time Rasa needs the endpoints, the input
# channels and the policy/channel code the model refers to.
COPY endpoints.yml credentials.yml ./
COPY policies/ policies/
COPY --from=train /app/models/ozonbot.tar.gz models/ozonbot.tar.gz

USER 1001
EXPOSE 5005
# The default serves the input channels only: without a token the HTTP API (which can replace
# the model and rewrite conversations) stays off. docker/compose.yml runs the server with
# `--enable-api --auth-token ${RASA_TOKEN}`, which the worker needs to pause conversations.
# endpoints.yml reads ACTION_ENDPOINT_URL, REDIS_HOST, REDIS_PORT, REDIS_DB, REDIS_PASSWORD
# and RASA_KEY_PREFIX from the environment; Rasa stops with an error naming any that is unset.
CMD ["run", "--model", "models/ozonbot.tar.gz", "--endpoints", "endpoints.yml", \
     "--credentials", "credentials.yml", "--port", "5005"]
