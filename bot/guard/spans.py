"""Spans of text: `(start, end)` pairs, end exclusive, as every detector returns them."""

from __future__ import annotations

Span = tuple[int, int]


def merge_spans(spans: list[Span], *, touching: bool = False) -> list[Span]:
    """Sorted spans with overlapping ones (and, if `touching`, adjacent ones) joined."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and (start < merged[-1][1] or (touching and start == merged[-1][1])):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
