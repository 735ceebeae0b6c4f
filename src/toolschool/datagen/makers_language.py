"""Makers of the ``dictionary`` and ``translate`` families (phrasing in ``data/families``).

Dictionary calls take the English word exactly as written. Translate calls copy the text
from between the quotes (or after the colon) and turn the target language, however
named ("French", "francés", "Französisch", "fr"), into its ISO 639-1 code.
"""

from __future__ import annotations

import random

from toolschool.datagen.family import Call, Draw, Maker, ci, exact
from toolschool.datagen.makers import register_maker
from toolschool.datagen.slots import FOREIGN_PHRASES, LANGUAGES, PHRASES, SIMPLE_WORDS, WORDS, language_accept

# ------------------------------------------------------------------ dictionary


def dictionary_call(word: str) -> Call:
    """A dictionary call; the capitalised spelling is accepted too."""
    entry = next((w for w in WORDS if w.word == word), None)
    hint = {"pos": entry.pos, "definition": entry.definition} if entry else {}
    return Call("dictionary", {"word": word}, accept={"word": [word.capitalize(), word.lower()]}, hint=hint)


@register_maker("word")
def draw_word(rng: random.Random, lang: str) -> Draw:
    """Maker: a ``{word}`` from :data:`~toolschool.datagen.slots.WORDS`."""
    entry = rng.choice(WORDS)
    return Draw({"word": ci(entry.word)}, [dictionary_call(entry.word)])



# ------------------------------------------------------------------ translate


def translate_call(text: str, code: str, translation: str | None = None) -> Call:
    """A translate call; the text without its final punctuation and every name of the
    target language are accepted too."""
    stripped = text.rstrip("?.!¡¿ ").lstrip("¿¡")
    accept = {"text": [stripped] if stripped != text else [], "to_lang": language_accept(code)}
    return Call("translate", {"text": text, "to_lang": code}, accept=accept,
                hint={"translation": translation} if translation else {})


def _targets(source: str) -> list[str]:
    return [c for c in LANGUAGES if c != source]


@register_maker("phrase", factory=True)
def phrase_to(source: str) -> Maker:
    """Maker: a phrase written in ``source`` language, into a random other language."""

    def make(rng: random.Random, lang: str) -> Draw:
        pool = PHRASES if source == "en" else [p for p in PHRASES if source in p.known]
        phrase = rng.choice(pool)
        known = {**phrase.known, "en": phrase.text}
        text = known.pop(source)
        code = rng.choice(_targets(source))
        slots = {"text": exact(text), "lang": ci(LANGUAGES[code][lang]), "code": exact(code)}
        return Draw(slots, [translate_call(text, code, known.get(code))])

    return make




@register_maker("simple_word")
def _single_word(rng: random.Random, lang: str) -> Draw:
    word = rng.choice(SIMPLE_WORDS)
    code = rng.choice(_targets("en"))
    return Draw({"word": exact(word), "lang": ci(LANGUAGES[code][lang])}, [translate_call(word, code)])


@register_maker("foreign_phrase")
def _to_english(rng: random.Random, lang: str) -> Draw:
    phrase = rng.choice(FOREIGN_PHRASES)
    slots = {"text": exact(phrase.text), "lang": ci(LANGUAGES["en"][lang])}
    return Draw(slots, [translate_call(phrase.text, "en", phrase.known.get("en"))])
