"""Rasa custom actions and the action server (`ozonbot actions`); contract in docs/dialogue.md.

    turn.py      the tracker state parsed once into a `Turn` (metadata, intent, entities, slots)
    base.py      `OzonbotAction`: the only bridge to rasa_sdk; Ozon failures → retry / escalate
    basic.py delivery.py returns.py products.py escalate.py    the thirteen actions
    payload.py   the `{"ozonbot": {...}}` payloads (reply / escalate / retry) for the worker
    deps.py      `ActionDeps`, built once from `Settings`: Ozon clients per shop, knowledge
    server.py    `build_action_app(deps)` / `add_action_routes(app, endpoint)`: aiohttp endpoint
    cli.py       `ozonbot actions [--host H] [--port P]`

Nothing here is imported by `bot.cli` at start-up except `cli.py`, which defers the rest.
"""
