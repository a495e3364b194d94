"""The deployment files keep their promises: docker/compose.yml, the Dockerfiles, .dockerignore
and .env.example agree with each other and with the code (bot/config.py, endpoints.yml).

No Docker engine is needed: the files are parsed and checked as text and data.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic_settings import BaseSettings

import bot.config
from bot.config import WorkerSettings, load_settings

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE_FILE = DOCKER / "compose.yml"
WORKER_DOCKERFILE = DOCKER / "worker.Dockerfile"
RASA_DOCKERFILE = DOCKER / "rasa.Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
SERVICES = {"redis", "actions", "rasa", "worker"}
OPTIONAL = {"translate"}
"""Started only with their compose profile; nothing waits for them."""


# --- reading the files ---------------------------------------------------------------------


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return data


def service(name: str) -> dict[str, Any]:
    services: dict[str, dict[str, Any]] = compose()["services"]
    return services[name]


def strings(node: object) -> Iterator[str]:
    """Every string value in parsed YAML (keys are never substituted, so they are skipped)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


# `$$` is Compose's escaped dollar; `${NAME...}` and `$NAME` are substitutions.
_SUBSTITUTION = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)")


def substituted_names(node: object) -> set[str]:
    names: set[str] = set()
    for text in strings(node):
        for match in _SUBSTITUTION.finditer(text):
            names.update(group for group in match.groups() if group)
    return names


def arg_after(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


@dataclass(frozen=True)
class Instruction:
    stage: int
    keyword: str
    args: str


def dockerfile(path: Path) -> list[Instruction]:
    """Instructions with their continuation lines joined; comment lines dropped."""
    instructions: list[Instruction] = []
    stage, pending = -1, ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending = f"{pending} {line[:-1]}" if line.endswith("\\") else f"{pending} {line}"
        if line.endswith("\\"):
            continue
        keyword, _, args = pending.strip().partition(" ")
        stage += keyword.upper() == "FROM"
        instructions.append(Instruction(stage, keyword.upper(), args.strip()))
        pending = ""
    return instructions


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    last = max(i.stage for i in instructions)
    return [i for i in instructions if i.stage == last]


def words(args: str) -> list[str]:
    """An instruction's arguments, in JSON (exec) form or shell form."""
    if args.startswith("["):
        parsed: list[str] = json.loads(args)
        return parsed
    return shlex.split(args)


def copy_sources(path: Path) -> list[str]:
    """Sources of every COPY that reads the build context (not another stage)."""
    sources: list[str] = []
    for instruction in dockerfile(path):
        if instruction.keyword != "COPY":
            continue
        parts = words(instruction.args)
        if any(part.startswith("--from=") for part in parts):
            continue
        sources += [part for part in parts if not part.startswith("--")][:-1]
    return sources


def dockerfile_env(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for instruction in final_stage(dockerfile(path)):
        if instruction.keyword != "ENV":
            continue
        for part in shlex.split(instruction.args):
            name, _, value = part.partition("=")
            values[name] = value
    return values


@dataclass(frozen=True)
class Documented:
    value: str
    active: bool
    """False for a commented `# NAME=value` line: a default or an example."""


_ASSIGNMENT = re.compile(r"^(#\s)?([A-Z][A-Z0-9_]*)=(.*)$")


def env_example() -> dict[str, Documented]:
    documented: dict[str, Documented] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if match := _ASSIGNMENT.match(line):
            documented[match.group(2)] = Documented(match.group(3), match.group(1) is None)
    return documented


def settings_sections() -> list[type[BaseSettings]]:
    return [
        value
        for value in vars(bot.config).values()
        if isinstance(value, type)
        and issubclass(value, BaseSettings)
        and value.__module__ == bot.config.__name__
    ]


def settings_variables() -> dict[str, tuple[type[BaseSettings], str]]:
    """Environment variable -> (settings class, field), from each class's prefix and fields."""
    variables: dict[str, tuple[type[BaseSettings], str]] = {}
    for section in settings_sections():
        prefix = str(section.model_config.get("env_prefix", ""))
        for field in section.model_fields:
            variables[f"{prefix}{field}".upper()] = (section, field)
    return variables


def environ_reads(path: Path) -> set[str]:
    """Literal names a module reads straight from `os.environ` (get, [] or `in`)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        target: ast.expr | None = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "get" and node.args and _is_environ(node.func.value):
                target = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            target = node.slice
        if isinstance(target, ast.Constant) and isinstance(target.value, str):
            names.add(target.value)
    return names


def _is_environ(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


# .dockerignore, as Docker reads it: the last matching pattern wins, and a pattern that
# matches a directory also matches everything under it.
def _pattern(text: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(text):
        if text.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif text.startswith("**", i):
            out, i = out + ".*", i + 2
        elif text[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif text[i] == "?":
            out, i = out + "[^/]", i + 1
        elif text[i] == "[":
            end = text.index("]", i)
            out, i = out + text[i : end + 1], end + 1
        else:
            out, i = out + re.escape(text[i]), i + 1
    return re.compile(out)


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    rules: list[tuple[bool, re.Pattern[str]]] = []
    for raw in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        rules.append((keep, _pattern(line.lstrip("!").strip().strip("/"))))
    return rules


def ignored(relative: str) -> bool:
    parts = relative.strip("/").split("/")
    paths = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    result = False
    for keep, pattern in dockerignore_rules():
        if any(pattern.fullmatch(path) for path in paths):
            result = not keep
    return result


def seconds(duration: str) -> float:
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts, f"not a Compose duration: {duration!r}"
    return sum(float(number) * units[unit] for number, unit in parts)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No configuration from the machine running the tests: only what a test gives."""
    prefixes = ("OZON", "REDIS_", "RASA_", "TELEGRAM_")
    for name in list(os.environ):
        if name.upper().startswith(prefixes) or name.upper() == "TIMEZONE":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


# --- compose: services, health, restarts, start order ---------------------------------------


def test_compose_defines_redis_actions_rasa_and_worker() -> None:
    assert set(compose()["services"]) == SERVICES | OPTIONAL


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_the_default_services_need_no_profile(name: str) -> None:
    assert "profiles" not in service(name)


@pytest.mark.parametrize("name", sorted(SERVICES | OPTIONAL))
def test_every_service_has_a_health_check(name: str) -> None:
    check = service(name)["healthcheck"]
    assert check["test"][0] in ("CMD", "CMD-SHELL")
    assert not check.get("disable", False)


@pytest.mark.parametrize("name", sorted(SERVICES | OPTIONAL))
def test_every_service_restarts_unless_stopped(name: str) -> None:
    assert service(name)["restart"] == "unless-stopped"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_dependencies_wait_until_healthy(name: str) -> None:
    for dependency, how in service(name).get("depends_on", {}).items():
        assert dependency in SERVICES
        assert how == {"condition": "service_healthy"}


def test_worker_starts_after_redis_and_rasa() -> None:
    assert {"redis", "rasa"} <= set(service("worker")["depends_on"])


def test_rasa_starts_after_redis_and_the_action_server() -> None:
    assert set(service("rasa")["depends_on"]) == {"redis", "actions"}


# --- compose: the optional translation engine ------------------------------------------------


def test_translate_runs_only_with_its_profile() -> None:
    assert service("translate")["profiles"] == ["translate"]


def test_translate_is_libretranslates_official_image_pinned() -> None:
    image = service("translate")["image"]
    name, _, tag = image.partition(":")
    assert name == "libretranslate/libretranslate"
    assert re.fullmatch(r"v\d+\.\d+\.\d+", tag), "pin a release, never latest"


def test_translate_loads_only_the_consoles_languages() -> None:
    loaded = service("translate")["environment"]["LT_LOAD_ONLY"].split(",")
    assert sorted(loaded) == ["en", "ru", "zh"]


def test_translate_keeps_its_models_in_a_named_volume() -> None:
    volume = service("translate")["volumes"][0].split(":")[0]
    assert volume in compose()["volumes"]


def test_translate_sees_buyer_text_so_it_is_not_published() -> None:
    assert "ports" not in service("translate")


def test_nothing_waits_for_the_optional_engine() -> None:
    for name in SERVICES:
        assert not OPTIONAL & set(service(name).get("depends_on", {}))


def test_env_example_names_the_compose_address_of_the_engine() -> None:
    port = service("translate")["environment"]["LT_PORT"]
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert f"TRANSLATE_URL=http://translate:{port}" in text


# --- compose: Redis -------------------------------------------------------------------------


def test_redis_keeps_an_append_only_file() -> None:
    command = " ".join(service("redis")["command"])
    assert "--appendonly yes" in command


def test_redis_data_lives_in_a_named_volume() -> None:
    assert "redis-data:/data" in service("redis")["volumes"]
    assert "redis-data" in compose()["volumes"]


def test_redis_is_not_published_on_the_host() -> None:
    assert "ports" not in service("redis")


# --- compose: scaling the worker ------------------------------------------------------------


def test_worker_has_no_fixed_host_port() -> None:
    """`--scale worker=3` fails when replicas would claim one host port."""
    worker = service("worker")
    for port in worker.get("ports", []):
        assert ":" not in str(port), f"fixed host port {port!r} blocks --scale"
    assert "container_name" not in worker


def test_worker_stops_after_its_grace_period() -> None:
    """Docker kills after stop_grace_period; the worker needs OZONBOT_GRACE_S to drain."""
    grace = WorkerSettings.model_fields["grace_s"].default
    assert seconds(service("worker")["stop_grace_period"]) > grace


# --- compose: wiring between the services ---------------------------------------------------


def test_rasa_gets_every_variable_endpoints_yml_reads() -> None:
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    needed = substituted_names(endpoints)
    assert needed, "endpoints.yml reads no variable: the check would prove nothing"
    assert needed <= set(service("rasa")["environment"])


def test_rasa_calls_the_action_service_on_its_port() -> None:
    url = urlsplit(service("rasa")["environment"]["ACTION_ENDPOINT_URL"])
    actions = service("actions")["command"]
    assert url.hostname == "actions"
    assert str(url.port) == arg_after(actions, "--port")
    assert url.path == "/webhook"


def test_worker_reaches_rasa_and_redis_by_service_name() -> None:
    environment = service("worker")["environment"]
    rasa = urlsplit(environment["RASA_URL"])
    assert rasa.hostname == "rasa"
    assert str(rasa.port) == arg_after(service("rasa")["command"], "--port")
    assert urlsplit(environment["REDIS_URL"]).hostname == "redis"
    assert service("rasa")["environment"]["REDIS_HOST"] == "redis"


def test_worker_listens_beyond_its_own_container() -> None:
    assert service("worker")["environment"]["OZONBOT_HTTP_HOST"] == "0.0.0.0"  # noqa: S104 - inside the container network


def test_rasa_api_requires_a_token() -> None:
    """`--enable-api` only with `--auth-token`, and Compose refuses an empty RASA_TOKEN."""
    command = service("rasa")["command"]
    assert "--enable-api" in command
    assert arg_after(command, "--auth-token").startswith("${RASA_TOKEN:?")


def test_rasa_key_prefix_default_is_letters_and_digits() -> None:
    value = service("rasa")["environment"]["RASA_KEY_PREFIX"]
    default = re.fullmatch(r"\$\{RASA_KEY_PREFIX:-([^}]*)\}", value)
    assert default is not None
    assert default.group(1).isalnum()
    assert env_example()["RASA_KEY_PREFIX"].value.isalnum()


def test_worker_and_actions_read_the_env_file_at_the_repository_root() -> None:
    for name in ("worker", "actions"):
        assert (DOCKER / service(name)["env_file"]).resolve() == ROOT / ".env"


def test_actions_and_worker_use_the_knowledge_the_image_ships() -> None:
    image_dir = dockerfile_env(WORKER_DOCKERFILE)["OZONBOT_KNOWLEDGE_DIR"]
    assert arg_after(service("actions")["command"], "--knowledge") == image_dir
    assert service("worker")["environment"]["OZONBOT_KNOWLEDGE_DIR"] == image_dir


def test_the_worker_image_ships_the_nlu_data_its_spam_classifier_trains_on() -> None:
    """bot/guard/learned.py trains on nlu/ when the worker starts: the image must hold it
    where OZONBOT_NLU_DIR says, and compose must not point elsewhere."""
    image_dir = dockerfile_env(WORKER_DOCKERFILE)["OZONBOT_NLU_DIR"]
    stage = final_stage(dockerfile(WORKER_DOCKERFILE))
    assert ["nlu/", "nlu/"] in [words(i.args) for i in stage if i.keyword == "COPY"]
    assert [i.args for i in stage if i.keyword == "WORKDIR"] == ["/app"]
    assert service("worker")["environment"]["OZONBOT_NLU_DIR"] == image_dir == "/app/nlu"


def test_rasa_serves_the_model_its_image_trained() -> None:
    rasa = dockerfile(RASA_DOCKERFILE)
    train = " ".join(i.args for i in rasa if i.keyword == "RUN")
    name = re.search(r"--fixed-model-name (\S+)", train)
    assert name is not None
    model = arg_after(service("rasa")["command"], "--model")
    assert Path(model).name == f"{name.group(1)}.tar.gz"
    copied = [words(i.args)[-1] for i in final_stage(rasa) if "--from=" in i.args]
    assert model in copied


# --- .env.example ---------------------------------------------------------------------------


def test_every_compose_substitution_is_documented_in_env_example() -> None:
    missing = substituted_names(compose()) - set(env_example())
    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_every_settings_variable_is_documented_in_env_example() -> None:
    """Derived from the settings classes (prefix + fields), so a new setting fails here."""
    read = set(settings_variables()) | environ_reads(ROOT / "bot" / "config.py")
    missing = read - set(env_example())
    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_env_example_documents_nothing_unknown() -> None:
    compose_only = substituted_names(compose())
    known = set(settings_variables()) | environ_reads(ROOT / "bot" / "config.py") | compose_only
    assert set(env_example()) <= known


@pytest.mark.usefixtures("clean_env")
def test_env_example_as_it_stands_is_a_valid_configuration() -> None:
    settings = load_settings(str(ENV_EXAMPLE))
    assert [shop.id for shop in settings.shops] == ["main"]


@pytest.mark.usefixtures("clean_env")
def test_env_example_shows_the_real_defaults() -> None:
    """A commented `# NAME=value` is the code's default (or, without one, a valid example)."""
    variables = settings_variables()
    for name, documented in env_example().items():
        if documented.active or name not in variables:
            continue
        section, field = variables[name]
        given: dict[str, Any] = {field: documented.value}
        parsed = getattr(section(_env_file=None, **given), field)
        default = section.model_fields[field].default
        assert default is None or parsed == default, f"{name}: code default is {default!r}"


def test_env_example_holds_no_real_secret() -> None:
    example = env_example()
    assert example["RASA_TOKEN"].value == ""
    assert example["OZON_API_KEY"].value.startswith("your-")
    assert not example["TELEGRAM_BOT_TOKEN"].active


# --- Dockerfiles and build context ----------------------------------------------------------


@pytest.mark.parametrize("path", [WORKER_DOCKERFILE, RASA_DOCKERFILE], ids=lambda p: p.name)
def test_copy_sources_exist_and_reach_the_build(path: Path) -> None:
    sources = copy_sources(path)
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), f"{path.name}: COPY {source}: no such path"
        assert not ignored(source), f"{path.name}: COPY {source}: excluded by .dockerignore"


@pytest.mark.parametrize("path", [WORKER_DOCKERFILE, RASA_DOCKERFILE], ids=lambda p: p.name)
def test_images_run_as_a_non_root_user(path: Path) -> None:
    users = [i.args for i in final_stage(dockerfile(path)) if i.keyword == "USER"]
    assert users, f"{path.name}: no USER in the final stage"
    assert users[-1].split(":")[0] not in ("root", "0")


def test_rasa_image_is_the_official_rasa_pinned_for_the_project() -> None:
    pinned = re.search(
        r"^rasa==(\S+)$", (ROOT / "requirements-rasa.txt").read_text(encoding="utf-8"), re.M
    )
    assert pinned is not None
    bases = [i.args.split()[0] for i in dockerfile(RASA_DOCKERFILE) if i.keyword == "FROM"]
    assert bases
    assert set(bases) == {f"rasa/rasa:{pinned.group(1)}"}
    assert pinned.group(1) == "3.6.21"


def test_worker_image_is_python_3_11_slim() -> None:
    bases = [i.args.split()[0] for i in dockerfile(WORKER_DOCKERFILE) if i.keyword == "FROM"]
    assert set(bases) == {"python:3.11-slim"}


def test_worker_image_installs_the_package_without_a_pip_cache() -> None:
    runs = [i.args for i in dockerfile(WORKER_DOCKERFILE) if i.keyword == "RUN"]
    assert any("pip install --no-cache-dir ." in run for run in runs)


@pytest.mark.parametrize(
    "path",
    [".env", ".venv/bin/python", ".venv-rasa/bin/rasa", "models/latest.tar.gz",
     "reports/bench.json", ".run/rasa.pid", ".git/HEAD", "tests/unit/test_docker.py",
     "bot/__pycache__/cli.cpython-311.pyc"],
)  # fmt: skip
def test_dockerignore_keeps_out_of_the_build(path: str) -> None:
    assert ignored(path)


def test_dockerignore_lets_in_the_package() -> None:
    assert not ignored("bot/cli.py")
    assert not ignored("pyproject.toml")


# --- against the Compose specification ------------------------------------------------------


def test_compose_file_follows_the_compose_specification() -> None:
    """The schema ships in check-jsonschema (vendored from compose-spec); offline."""
    spec = importlib.util.find_spec("check_jsonschema")  # a dev dependency (pyproject.toml)
    assert spec is not None
    assert spec.origin is not None
    schema_path = Path(spec.origin).parent / "builtin_schemas" / "vendor" / "compose-spec.json"
    # No type stubs for jsonschema in the environment: used untyped, as bot/sandbox does.
    validators: Any = importlib.import_module("jsonschema.validators")
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = validators.validator_for(schema)(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(compose())]
    assert not errors
