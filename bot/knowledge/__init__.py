"""Approved answer snippets (`knowledge/*.yml`) and the buyer's language."""

from bot.knowledge.language import detect_language
from bot.knowledge.store import Knowledge, Snippet

__all__ = ["Knowledge", "Snippet", "detect_language"]
