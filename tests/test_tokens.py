"""The answer tokeniser: `_tokens_all` (a topic's texts at once) and `_tokens` against a plain reference.

The reference is the first release's tokeniser, one text and one word at a time, kept here as written then: the
batched and memoised paths must read every text exactly as it did.
"""

from __future__ import annotations

import unicodedata
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from serverless_study import answers
from serverless_study.answers import (
    _NUMBER,
    _NUMBER_WORDS,
    _PERCENT,
    _QUOTES,
    _SECONDS,
    _SIZES,
    _THOUSANDS,
    _TOKEN,
    _quantity,
    _singular,
    _Token,
    _tokens,
    _tokens_all,
    _unit_spelling,
)


def _reference_read(raw: str) -> tuple[_Token, Fraction | None]:
    word = raw.casefold()
    number = _NUMBER_WORDS.get(word, word if word[:1].isdecimal() and _NUMBER.fullmatch(word) else None)
    if number is not None:
        value = Fraction(str(number))
        return _Token(str(value), str(value), True), value
    strict = any(map(str.isupper, raw[1:])) or any(map(str.isdigit, word))
    return _Token(word, _singular(word) if len(word) > 3 and word.isalpha() else word, strict), None


def reference_tokens(text: str) -> tuple[_Token, ...]:
    s = _QUOTES.sub("", unicodedata.normalize("NFKC", text))
    raw = _TOKEN.findall(_THOUSANDS.sub("", s))
    out: list[_Token] = []
    i = 0
    while i < len(raw):
        token, value = _reference_read(raw[i])
        if value is not None:
            nxt = _unit_spelling(raw[i + 1].casefold()) if i + 1 < len(raw) else ""
            after = raw[i + 2].casefold() if i + 2 < len(raw) else ""
            if nxt in _SECONDS:
                out.append(_quantity(f"{value * _SECONDS[nxt]} s"))
                i += 2
                continue
            if nxt in _SIZES:
                out.append(_quantity(f"{value} {_SIZES[nxt]}"))
                i += 2
                continue
            if nxt in _PERCENT or (nxt == "per" and after == "cent"):
                out.append(_quantity(f"{value} %"))
                i += 3 if nxt == "per" else 2
                continue
        out.append(token)
        i += 1
    return tuple(out)


# Words and marks that meet the tokeniser's every rule: numbers typed and spelled, units (and a slip of one), "per
# cent", thousands separators, quotes, case, plurals, non-ASCII letters and digits, compatibility forms, newlines.
PIECES = [
    *"5 five 1.5 0 007 1,000 10_000 12,34 minutes minuets secs ms GB gigabytes kb % percent per cent pc".split(),  # noqa: SIM905
    *"Lambda EKS eKS nodes policies queues x-ray X-Ray v1x0 1x0 don't `code` café ① ½ ٣ ﬁle İstanbul ß".split(),  # noqa: SIM905
    *[
        " ",
        " ",
        ", ",
        "-",
        "\n",
        "\t",
        "",
        "'",
        '"',
        "_",
        "e\u0301",
        "\u0301",
        "\u03a9",
        "\u201cq\u201d",
        "\uff21\uff22",
    ],
]
texts = st.lists(st.sampled_from(PIECES), max_size=8).map("".join) | st.text(max_size=12)
PROPERTY = settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(texts)
def test_a_text_is_read_as_the_reference_reads_it(text: str) -> None:
    assert _tokens(text) == reference_tokens(text)


@PROPERTY
@given(st.lists(texts, max_size=6))
def test_texts_read_together_are_read_as_each_alone(batch: list[str]) -> None:
    answers._word_token.cache_clear()  # a word met first in a batch is memoised as alone
    assert _tokens_all(batch) == [reference_tokens(t) for t in batch]


def test_a_newline_inside_a_text_does_not_split_it() -> None:
    assert _tokens_all(["a\nb", "c"]) == [reference_tokens("a\nb"), reference_tokens("c")]
    assert _tokens_all([]) == []
    assert _tokens_all([""]) == [()]


def test_quantities_are_joined_wherever_they_fall() -> None:
    assert [t.key for t in _tokens("5 minutes, then 20 per cent of 2 GB or 7")] == [
        "300 s",
        "then",
        "20 %",
        "of",
        "2 gb",
        "or",
        "7",
    ]
