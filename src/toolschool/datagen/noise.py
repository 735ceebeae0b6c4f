"""Surface noise: how real people type, applied without touching slot values.

:func:`add_noise` takes the rendered segments of a request and applies one to three
operations: lowercasing, dropped punctuation, one or two typos (adjacent-key slips,
dropped, doubled or swapped letters, missing accents), a filler before or after ("hey,",
"quick question:", "thanks!"), an irrelevant sentence of context, or (rarely) shouting.

Protected segments (:class:`~toolschool.datagen.family.RequestPiece` with ``protect`` set) are
never altered, except that ``"ci"`` segments follow lowercasing and shouting. So every
value an argument is checked against still appears in the request.

The filler phrases per language are data (``data/pools/noise.yaml``).
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable

from toolschool.datagen.family import RequestPiece
from toolschool.datagen.resources import PoolFile

_QWERTY_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
_NEIGHBOURS: dict[str, str] = {}
for _r, _row in enumerate(_QWERTY_ROWS):
    for _i, _ch in enumerate(_row):
        near = _row[max(0, _i - 1):_i] + _row[_i + 1:_i + 2]
        for _other in (_r - 1, _r + 1):
            if 0 <= _other < len(_QWERTY_ROWS):
                near += _QWERTY_ROWS[_other][max(0, _i - 1):_i + 1]
        _NEIGHBOURS[_ch] = near

_NOISE_POOLS = PoolFile("pools/noise.yaml")
PREFIXES: dict[str, list[str]] = _NOISE_POOLS.get("prefixes", dict[str, list[str]])
SUFFIXES: dict[str, list[str]] = _NOISE_POOLS.get("suffixes", dict[str, list[str]])
CONTEXT: dict[str, list[str]] = _NOISE_POOLS.get("context", dict[str, list[str]])
_NOISE_POOLS.done()
_OPS = ["lower", "punct", "typo", "typo", "prefix", "suffix", "context", "accents", "shout"]
_OP_WEIGHTS = [0.24, 0.16, 0.22, 0.08, 0.16, 0.14, 0.1, 0.06, 0.02]
_WORD = re.compile(r"[A-Za-zÀ-ÿ]{4,}")
_PUNCT = re.compile(r"[.,!?;:¿¡]|(?<=\w)'(?=\w)")


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["neighbour", "drop", "double", "swap"])
    ch = word[i]
    if kind == "neighbour" and ch.lower() in _NEIGHBOURS:
        repl = rng.choice(_NEIGHBOURS[ch.lower()])
        return word[:i] + (repl.upper() if ch.isupper() else repl) + word[i + 1:]
    if kind == "double":
        return word[:i] + ch + word[i:]
    if kind == "swap" and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i + 1:]


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _add_typos(segments: list[RequestPiece], rng: random.Random) -> list[RequestPiece]:
    spots = [(si, m.start(), m.end()) for si, s in enumerate(segments) if s.protect is None
             for m in _WORD.finditer(s.text)]
    if not spots:
        return segments
    out = list(segments)
    for si, start, end in sorted(rng.sample(spots, min(len(spots), rng.choice([1, 1, 2]))), reverse=True):
        text = out[si].text
        out[si] = RequestPiece(text[:start] + _typo(text[start:end], rng) + text[end:], None)
    return out


def _map_free(segments: list[RequestPiece], fn: Callable[[str], str], with_ci: bool) -> list[RequestPiece]:
    return [RequestPiece(fn(s.text), s.protect) if s.protect is None or (with_ci and s.protect == "ci") else s
            for s in segments]


def add_noise(segments: list[RequestPiece], rng: random.Random, lang: str) -> list[RequestPiece]:
    """Apply 1–3 random noise operations; protected text stays as described above."""
    ops = set(rng.choices(_OPS, weights=_OP_WEIGHTS, k=rng.choice([1, 1, 2, 2, 3])))
    out = list(segments)
    if "typo" in ops:
        out = _add_typos(out, rng)
    if "accents" in ops and lang != "en":
        out = _map_free(out, _strip_accents, with_ci=False)
    if "punct" in ops:
        out = _map_free(out, lambda t: _PUNCT.sub("", t), with_ci=False)
    if "context" in ops:
        sentence = rng.choice(CONTEXT[lang]) + " "
        out = [RequestPiece(sentence), *out] if rng.random() < 0.7 else [*out, RequestPiece(" " + sentence.strip())]
    if "prefix" in ops:
        first = out[0]
        if first.protect is None and re.match(r"[A-ZÀ-Ý][a-zà-ÿ']", first.text) and not first.text.startswith("I "):
            out[0] = RequestPiece(first.text[0].lower() + first.text[1:])
        out = [RequestPiece(rng.choice(PREFIXES[lang])), *out]
    if "suffix" in ops:
        out = [*out, RequestPiece(rng.choice(SUFFIXES[lang]))]
    if "shout" in ops:
        out = _map_free(out, str.upper, with_ci=True)
    elif "lower" in ops:
        out = _map_free(out, str.lower, with_ci=True)
    return out


def join_segments(segments: list[RequestPiece]) -> str:
    """The request text: segments joined, runs of spaces collapsed, ends stripped."""
    text = "".join(s.text for s in segments)
    return re.sub(r"[ \t]{2,}", " ", text).strip()
