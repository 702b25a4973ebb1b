"""Pure answer checking: normalisation, accepted alternatives, typo tolerance and exact numbers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from serverless_study.model import CardKind, Question

_QUOTES = re.compile(r"['\"`‘’“”´]")
_THOUSANDS = re.compile(r"(?<=\d)[,_](?=\d{3}(?!\d))")
_PUNCT = re.compile(r"[^\w\s]|_")
_SPACE = re.compile(r"\s+")
_ARTICLE = re.compile(r"^(?:the|an|a) (?=\S)")
_DIGITS = re.compile(r"\d+")
_ORDER = re.compile(r"\d+(?:\s*[,\s]\s*\d+)*")


@dataclass(frozen=True)
class Verdict:
    correct: bool
    expected: str  # the canonical answer, to show after answering
    note: str = ""  # e.g. "accepted with a small typo: expected 15 minutes"


def normalise(text: str) -> str:
    """Lower-case words separated by single spaces: quotes dropped, punctuation and a leading article ignored."""
    s = unicodedata.normalize("NFKC", text).casefold()
    s = _QUOTES.sub("", s)
    s = _THOUSANDS.sub("", s)  # "10,240" and "10240" are the same number
    s = _PUNCT.sub(" ", s)
    s = _SPACE.sub(" ", s).strip()
    return _ARTICLE.sub("", s)


def check_answer(question: Question, given: str) -> Verdict:
    """Mark `given` against the question; choices compare exactly, typed answers tolerate small slips."""
    expected = question.answer
    if question.self_rated:
        # The learner grades recall themselves; any attempt counts as an answer.
        return Verdict(bool(given.strip()), expected)
    if question.kind is CardKind.ORDER:
        return Verdict(_order_matches(question, given), expected)
    if question.choices:
        if given in question.choices:  # the usual case: the shell passes the picked choice's text
            return Verdict(given == expected, expected)
        g = normalise(given)
        return Verdict(bool(g) and g == normalise(expected), expected)
    return _check_typed(given, (expected, *question.accept), expected)


def _check_typed(given: str, candidates: tuple[str, ...], expected: str) -> Verdict:
    g = normalise(given)
    if not g:
        return Verdict(False, expected)
    g_key, g_digits = g.replace(" ", ""), _DIGITS.findall(g)
    close: str | None = None
    for cand in candidates:
        c = normalise(cand)
        if not c or _DIGITS.findall(c) != g_digits:
            continue  # numbers must match exactly, never by typo tolerance
        c_key = c.replace(" ", "")
        if c_key == g_key:
            return Verdict(True, expected)
        if close is None and _within_typo(g_key, c_key):
            close = cand
    if close is not None:
        return Verdict(True, expected, f"accepted with a small typo: expected {close}")
    return Verdict(False, expected)


def _within_typo(given: str, expected: str) -> bool:
    n = len(expected)
    limit = 0 if n <= 3 else 1 if n <= 7 else 2
    return limit > 0 and abs(len(given) - n) <= limit and _osa_distance(given, expected, limit) <= limit


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), stopping early once above `limit`."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _order_matches(question: Question, given: str) -> bool:
    """True if `given` lists the shown step numbers in the right order: "3 1 4 2", "3,1,4,2" or "3142"."""
    text = given.strip()
    if not _ORDER.fullmatch(text):
        return False
    n = len(question.answer.split())
    numbers = _DIGITS.findall(text)
    if len(numbers) == 1 and n > 1 and n <= 9 and len(text) == n:
        numbers = list(text)  # "3142": one digit per step
    got = [int(x) for x in numbers]
    return any(got == [int(x) for x in a.split()] for a in (question.answer, *question.accept))
