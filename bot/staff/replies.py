"""Pure rendering of a staff reply's machine translation: the preview waiting for "Send", the
refusal when the translation breaks a rule (each fragment in the buyer's language and in the
staff language), and the note of one sent without confirmation. HTML, every outside text
escaped; no Telegram calls."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.guard.types import Violation
from bot.staff.texts import Texts
from bot.staff.wording import rule_label
from bot.translate import Translation


def _quote(text: str) -> str:
    return f"<blockquote>{escape(text, quote=False)}</blockquote>"


def language_name(translation: Translation, texts: Texts) -> str:
    return texts(f"lang.{translation.target.value}")


def render_preview(translation: Translation, texts: Texts, button: str) -> str:
    """The translation that would be sent, the check's verdict, and how to send it."""
    return "\n".join(
        [
            "\U0001f310 " + texts("relay.tr_preview", language=language_name(translation, texts)),
            _quote(translation.text),
            "\u2705 " + texts("relay.tr_passed"),
            texts("relay.tr_confirm", button=escape(button, quote=False)),
        ]
    )


def render_sent_note(translation: Translation, texts: Texts) -> str:
    """Above the send result when the shop sends translations without confirmation."""
    language = language_name(translation, texts)
    return "\n".join(
        ["\U0001f310 " + texts("relay.tr_sent", language=language), _quote(translation.text)]
    )


def render_refusal(
    translation: Translation,
    violations: Sequence[Violation],
    backs: Sequence[str | None],
    texts: Texts,
    fix: tuple[str, str | None] | None = None,
) -> str:
    """Not sent: the translation, each broken rule with its fragment as the buyer would read it
    and in the staff language (`backs`, None when the engine could not say), and the corrected
    text with its own translation back when there is one."""
    lines = ["\u274c " + texts("relay.tr_refused"), _quote(translation.text)]
    for violation, back in zip(violations, backs, strict=True):
        fragment = escape(violation.fragment, quote=False)
        rule = rule_label(violation.rule.value, texts)
        if back is None or back == violation.fragment:
            line = texts("relay.violation", rule=rule, fragment=fragment)
        else:
            back_shown = escape(back, quote=False)
            line = texts("relay.tr_violation", rule=rule, fragment=fragment, back=back_shown)
        lines.append("\u2022 " + line)
    if fix is None:
        lines.append(texts("relay.retry"))
        return "\n".join(lines)
    corrected, corrected_back = fix
    lines += [texts("relay.fix_offer"), _quote(corrected)]
    if corrected_back:
        lines += [texts("relay.tr_fix_back"), _quote(corrected_back)]
    return "\n".join(lines)
