"""Code the Rasa server imports from the repository root (Python 3.10, Rasa 3.6).

`escalation` is the custom dialogue policy and `unreadable` a small NLU classifier, both registered
in `config.yml`; `channel` is the `ozonbot` input channel registered in `credentials.yml`. None
imports the worker package (`bot`, Python
3.11): the contract names are repeated here and `tests/rasa` checks them against `bot/models.py`.
"""
