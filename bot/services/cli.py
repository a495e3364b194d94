"""`ozonbot services up|down|status`: what `make up` and `make down` run."""

from __future__ import annotations

import argparse
import sys

from bot.services.local import LocalServices


def register(sub: argparse._SubParsersAction, name: str, summary: str) -> None:  # type: ignore[type-arg]  # argparse's private generic
    parser = sub.add_parser(
        name,
        help=summary,
        description=(
            "up: start Redis (if it does not answer), the Rasa server with the trained model "
            "and the action server; down: stop what `up` started; status: what answers."
        ),
    )
    parser.add_argument("action", choices=("up", "down", "status"))
    parser.add_argument(
        "--sandbox", action="store_true", help="also start the Ozon emulator on OZON_API_URL"
    )
    parser.set_defaults(handler=_handle)


def local_services_from_settings() -> LocalServices:
    from bot.config import default_env_file, load_settings

    return LocalServices.for_settings(load_settings(), default_env_file())


def _handle(args: argparse.Namespace) -> int:
    from bot.errors import ServiceError
    from bot.services.local import answers, redis_answers

    services = local_services_from_settings()
    try:
        if args.action == "up":
            services.ensure_redis()
            if args.sandbox:
                services.ensure_sandbox()
            services.ensure_actions()
            services.ensure_rasa()
        elif args.action == "down":
            services.stop_all()
        else:
            print(f"redis    {redis_answers(services.redis_url)}")
            print(f"rasa     {answers(services.rasa_url + '/')}")
            print(f"actions  {answers(services.actions_url + '/health')}")
            print(f"sandbox  {answers(services.sandbox_url + '/sandbox/health')}")
    except ServiceError as exc:
        print(f"ozonbot services: {exc}", file=sys.stderr)
        return 1
    return 0
