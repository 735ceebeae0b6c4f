"""Single-call families for ``dictionary`` and ``translate``.

Dictionary calls take the English word exactly as written. Translate calls copy the text
from between the quotes (or after the colon) and turn the target language, however
named ("French", "francés", "Französisch", "fr"), into its ISO 639-1 code.
"""

from __future__ import annotations

import random

from toolschool.datagen.family import Call, Draw, Family, Maker, ci, exact, single
from toolschool.datagen.slots import FOREIGN_PHRASES, LANGUAGES, PHRASES, WORDS, language_accept

# ------------------------------------------------------------------ dictionary


def dictionary_call(word: str) -> Call:
    """A dictionary call; the capitalised spelling is accepted too."""
    entry = next((w for w in WORDS if w.word == word), None)
    hint = {"pos": entry.pos, "definition": entry.definition} if entry else {}
    return Call("dictionary", {"word": word}, accept={"word": [word.capitalize(), word.lower()]}, hint=hint)


def draw_word(rng: random.Random, lang: str) -> Draw:
    """Maker: a ``{word}`` from :data:`~toolschool.datagen.slots.WORDS`."""
    entry = rng.choice(WORDS)
    return Draw({"word": ci(entry.word)}, [dictionary_call(entry.word)])


DICTIONARY: list[Family] = [
    single("dictionary", "define_direct", draw_word, [
        "What does {word} mean?", "Define {word}.", "What's the meaning of {word}?", "definition of {word}"]),
    single("dictionary", "terse", draw_word, ["define {word}", "{word} meaning", "{word} definition pls",
                                           "meaning of {word}?"]),
    single("dictionary", "met_in_reading", draw_word, [
        "I came across the word '{word}' in a novel. What does it mean?",
        "My professor used the word \"{word}\" today and everyone nodded. What does it mean?",
        "Saw '{word}' in a news article, no clue what it means"]),
    single("dictionary", "part_of_speech", draw_word, [
        "Is {word} a noun or a verb?", "What part of speech is '{word}'?", "Is '{word}' an adjective?"]),
    single("dictionary", "pronunciation", draw_word, [
        "How do you pronounce {word}?", "How is '{word}' pronounced?", "pronunciation of {word}?"]),
    single("dictionary", "look_up", draw_word, [
        "Can you look up '{word}' in the dictionary?", "Look up the word {word} for me.",
        "Dictionary check: {word}"]),
    single("dictionary", "word_game", draw_word, [
        "Is '{word}' a real English word?",
        "{friend} played '{word}' in Scrabble. Is that a real word, and what does it mean?",
        "We're arguing over whether '{word}' is an actual word. Can you check?"]),
    single("dictionary", "formal", draw_word, [
        "Could you provide the dictionary definition of '{word}'?",
        "I would like the precise definition of the term '{word}', please."]),
    single("dictionary", "long_context", draw_word, [
        "{ctx} I'm writing a cover letter and I want to use the word '{word}', but I'm not 100% sure what it "
        "means. Can you check?",
        "{friend} described my last email as '{word}' and I'm not sure whether to be offended. What does it mean?",
        "So I was doing the crossword this morning with coffee and the answer turned out to be '{word}'. What "
        "does that even mean?"]),
    single("dictionary", "for_kid", draw_word, [
        "My kid asked me what '{word}' means and I had no idea. Can you look it up?",
        "What's the definition of {word}? It's for my daughter's spelling homework."]),
    single("dictionary", "synonym_usage", draw_word, [
        "Am I using '{word}' right? What exactly does it mean?",
        "Before I put '{word}' in my essay, what's its exact meaning?"]),
    single("dictionary", "meaning", draw_word, [
        "¿Qué significa la palabra inglesa '{word}'?", "¿Qué quiere decir '{word}' en inglés?",
        "Busca la definición de '{word}'"], lang="es"),
    single("dictionary", "meaning", draw_word, [
        "Que veut dire le mot anglais « {word} » ?", "Tu peux me donner la définition de '{word}' ?"], lang="fr"),
    single("dictionary", "meaning", draw_word, [
        "Was bedeutet das englische Wort '{word}'?", "Was heißt '{word}' genau?",
        "Schlag mal '{word}' im Wörterbuch nach"], lang="de"),
    single("dictionary", "meaning", draw_word, [
        "O que significa a palavra inglesa '{word}'?", "Qual é a definição de '{word}'?"], lang="pt"),
]

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


#: Everyday English words people want in another language.
SIMPLE_WORDS: list[str] = [
    "butterfly", "library", "cheese", "umbrella", "Thursday", "grandmother", "apple", "train station", "friendship",
    "kitchen", "homework", "beach", "strawberry", "key", "bicycle", "cloud", "thank you", "good night", "spoon",
    "mountain", "birthday", "dog", "breakfast", "pharmacy", "window", "love", "cat", "car", "rain", "moon",
]


def _single_word(rng: random.Random, lang: str) -> Draw:
    word = rng.choice(SIMPLE_WORDS)
    code = rng.choice(_targets("en"))
    return Draw({"word": exact(word), "lang": ci(LANGUAGES[code][lang])}, [translate_call(word, code)])


def _to_english(rng: random.Random, lang: str) -> Draw:
    phrase = rng.choice(FOREIGN_PHRASES)
    slots = {"text": exact(phrase.text), "lang": ci(LANGUAGES["en"][lang])}
    return Draw(slots, [translate_call(phrase.text, "en", phrase.known.get("en"))])


_EN = phrase_to("en")

TRANSLATE: list[Family] = [
    single("translate", "how_do_you_say", _EN, [
        "How do you say \"{text}\" in {lang}?", "how do i say '{text}' in {lang}", "What's \"{text}\" in {lang}?"]),
    single("translate", "imperative", _EN, [
        "Translate \"{text}\" into {lang}.", "Translate to {lang}: {text}", "Please translate '{text}' to {lang}."]),
    single("translate", "terse", _EN, ["\"{text}\" -> {lang}", "{lang}: \"{text}\"", "'{text}' in {lang}?",
                                       "to {lang}: {text}"]),
    single("translate", "travel_need", _EN, [
        "I'm traveling soon and need to ask someone \"{text}\" in {lang}. How would I say it?",
        "I'll be at a restaurant where they only speak {lang}. How do I say \"{text}\"?",
        "Help me tell the taxi driver \"{text}\" in {lang}."]),
    single("translate", "message_to_person", _EN, [
        "{friend} only reads {lang}. Can you translate this for them: \"{text}\"",
        "I want to text my neighbor in {lang}: \"{text}\". Translate it please.",
        "Write \"{text}\" in {lang} so I can send it to my host family."]),
    single("translate", "to_english", _to_english, [
        "What does \"{text}\" mean in {lang}?", "Translate \"{text}\" to {lang}",
        "Can you put '{text}' into {lang} for me?"]),
    single("translate", "sign_or_message", _to_english, [
        "There's a sign here that says \"{text}\". What does it mean in {lang}?",
        "I got a text saying \"{text}\". Translate it into {lang}?",
        "The menu says '{text}', can you give me that in {lang}?"]),
    single("translate", "formal", _EN, [
        "Could you kindly translate the following sentence into {lang}: \"{text}\"",
        "I would appreciate a {lang} translation of: \"{text}\""]),
    single("translate", "long_context", _EN, [
        "{ctx} I'm writing a card for a colleague who just moved here and whose first language is {lang}. How "
        "would \"{text}\" look in {lang}?",
        "We're putting up a sign at the shop for tourists and most of them speak {lang}. How do we write "
        "\"{text}\" in {lang}?",
        "My in-laws are visiting and they only speak {lang}. I want to leave them a note, so could you "
        "translate \"{text}\" for me?"]),
    single("translate", "word_for", _single_word, [
        "What's the {lang} word for '{word}'?", "How do you say {word} in {lang}?", "{word} in {lang}?",
        "what's {word} in {lang}", "I forgot the {lang} word for \"{word}\". What is it?"]),
    single("translate", "iso_code", _EN, [
        "Translate \"{text}\" to {code}", "\"{text}\" ({code})?", "translate '{text}' en->{code}"]),
    single("translate", "phrase", phrase_to("es"), [
        "¿Cómo se dice \"{text}\" en {lang}?", "Traduce \"{text}\" al {lang}", "¿Me traduces '{text}' al {lang}?"],
        lang="es"),
    single("translate", "phrase", phrase_to("fr"), [
        "Comment dit-on « {text} » en {lang} ?", "Traduis \"{text}\" en {lang}", "Tu peux traduire '{text}' en {lang} ?"],
        lang="fr"),
    single("translate", "phrase", phrase_to("de"), [
        "Wie sagt man \"{text}\" auf {lang}?", "Übersetze \"{text}\" auf {lang}", "Was heißt '{text}' auf {lang}?"],
        lang="de"),
    single("translate", "phrase", phrase_to("pt"), [
        "Como se diz \"{text}\" em {lang}?", "Traduz \"{text}\" para o {lang}", "Pode traduzir '{text}' para o {lang}?"],
        lang="pt"),
]
