"""The tuning loop: what the seller's team needs to make the bot better every week.

`ozonbot review export` collects the buyer messages worth a human look (low confidence,
fallbacks, `unknown` escalations, staff takeovers, blocked replies, staff "wrong intent" marks)
as anonymised Rasa NLU YAML and CSV; `ozonbot review import` merges the corrected examples into
`nlu/`; `ozonbot review story` turns a handled conversation into a Rasa test story. The NLU
evaluation report, the regression gate and cross-validation (`scripts/nlu-eval`, `nlu-gate`,
`nlu-cv`) read Rasa's own reports through `bot.review.evaluation`. See docs/tuning.md.
"""
