"""Slot pools about places, languages and words, plus decoration phrases for templates.

* :data:`CITIES` — cities worldwide with country, IANA timezone and local exonyms
  ("London" is "Londres" in a Spanish request; the call then uses what the user wrote).
* :data:`CAPITALS` — countries and their capitals (chained wikipedia → weather/time).
* :data:`LANGUAGES` — ISO 639-1 code → language name as written in en/es/fr/de/pt.
* :data:`WORDS` — English words (many rare) with part of speech and a short definition.
* :data:`PHRASES` — short texts to translate, with known translations where we have them.
* :data:`DECOR` — free phrases templates may use (``{friend}``, ``{when}``…), per language.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class City:
    """A city: English name, country, IANA timezone, names in other request languages."""

    name: str
    country: str
    tz: str
    exonyms: dict[str, str] = field(default_factory=dict)

    def local_name(self, lang: str) -> str:
        """The name a user writing in ``lang`` would use."""
        return self.exonyms.get(lang, self.name)


def _c(name: str, country: str, tz: str, **ex: str) -> City:
    return City(name, country, tz, dict(ex))


CITIES: list[City] = [
    _c("Paris", "France", "Europe/Paris"),
    _c("London", "United Kingdom", "Europe/London", es="Londres", fr="Londres", pt="Londres"),
    _c("Berlin", "Germany", "Europe/Berlin", es="Berlín", pt="Berlim"),
    _c("Madrid", "Spain", "Europe/Madrid"),
    _c("Barcelona", "Spain", "Europe/Madrid", fr="Barcelone"),
    _c("Lisbon", "Portugal", "Europe/Lisbon", es="Lisboa", fr="Lisbonne", de="Lissabon", pt="Lisboa"),
    _c("Porto", "Portugal", "Europe/Lisbon"),
    _c("Rome", "Italy", "Europe/Rome", es="Roma", de="Rom", pt="Roma"),
    _c("Milan", "Italy", "Europe/Rome", es="Milán", de="Mailand", pt="Milão"),
    _c("Naples", "Italy", "Europe/Rome", es="Nápoles", de="Neapel", pt="Nápoles"),
    _c("Vienna", "Austria", "Europe/Vienna", es="Viena", fr="Vienne", de="Wien", pt="Viena"),
    _c("Munich", "Germany", "Europe/Berlin", es="Múnich", de="München", pt="Munique"),
    _c("Hamburg", "Germany", "Europe/Berlin", fr="Hambourg", pt="Hamburgo", es="Hamburgo"),
    _c("Cologne", "Germany", "Europe/Berlin", es="Colonia", de="Köln", pt="Colônia"),
    _c("Zurich", "Switzerland", "Europe/Zurich", de="Zürich", es="Zúrich"),
    _c("Geneva", "Switzerland", "Europe/Zurich", es="Ginebra", fr="Genève", de="Genf", pt="Genebra"),
    _c("Amsterdam", "Netherlands", "Europe/Amsterdam"),
    _c("Brussels", "Belgium", "Europe/Brussels", es="Bruselas", fr="Bruxelles", de="Brüssel", pt="Bruxelas"),
    _c("Copenhagen", "Denmark", "Europe/Copenhagen", es="Copenhague", fr="Copenhague", de="Kopenhagen",
       pt="Copenhague"),
    _c("Stockholm", "Sweden", "Europe/Stockholm", es="Estocolmo", pt="Estocolmo"),
    _c("Oslo", "Norway", "Europe/Oslo"),
    _c("Helsinki", "Finland", "Europe/Helsinki"),
    _c("Dublin", "Ireland", "Europe/Dublin"),
    _c("Edinburgh", "United Kingdom", "Europe/London", es="Edimburgo", fr="Édimbourg", pt="Edimburgo"),
    _c("Manchester", "United Kingdom", "Europe/London"),
    _c("Prague", "Czech Republic", "Europe/Prague", es="Praga", de="Prag", pt="Praga"),
    _c("Warsaw", "Poland", "Europe/Warsaw", es="Varsovia", fr="Varsovie", de="Warschau", pt="Varsóvia"),
    _c("Budapest", "Hungary", "Europe/Budapest"),
    _c("Athens", "Greece", "Europe/Athens", es="Atenas", fr="Athènes", de="Athen", pt="Atenas"),
    _c("Istanbul", "Turkey", "Europe/Istanbul", es="Estambul", pt="Istambul"),
    _c("Reykjavik", "Iceland", "Atlantic/Reykjavik"),
    _c("Seville", "Spain", "Europe/Madrid", es="Sevilla", fr="Séville", de="Sevilla", pt="Sevilha"),
    _c("Valencia", "Spain", "Europe/Madrid"),
    _c("Lyon", "France", "Europe/Paris"),
    _c("Marseille", "France", "Europe/Paris", es="Marsella", pt="Marselha"),
    _c("Bordeaux", "France", "Europe/Paris", es="Burdeos"),
    _c("New York", "United States", "America/New_York", es="Nueva York", pt="Nova York"),
    _c("Los Angeles", "United States", "America/Los_Angeles"),
    _c("Chicago", "United States", "America/Chicago"),
    _c("San Francisco", "United States", "America/Los_Angeles"),
    _c("Seattle", "United States", "America/Los_Angeles"),
    _c("Denver", "United States", "America/Denver"),
    _c("Phoenix", "United States", "America/Phoenix"),
    _c("Miami", "United States", "America/New_York"),
    _c("Boston", "United States", "America/New_York"),
    _c("Austin", "United States", "America/Chicago"),
    _c("Toronto", "Canada", "America/Toronto"),
    _c("Vancouver", "Canada", "America/Vancouver"),
    _c("Montreal", "Canada", "America/Toronto", fr="Montréal", es="Montreal"),
    _c("Mexico City", "Mexico", "America/Mexico_City", es="Ciudad de México", fr="Mexico",
       de="Mexiko-Stadt", pt="Cidade do México"),
    _c("Guadalajara", "Mexico", "America/Mexico_City"),
    _c("Bogotá", "Colombia", "America/Bogota"),
    _c("Medellín", "Colombia", "America/Bogota"),
    _c("Lima", "Peru", "America/Lima"),
    _c("Santiago", "Chile", "America/Santiago"),
    _c("Buenos Aires", "Argentina", "America/Argentina/Buenos_Aires"),
    _c("São Paulo", "Brazil", "America/Sao_Paulo"),
    _c("Rio de Janeiro", "Brazil", "America/Sao_Paulo"),
    _c("Havana", "Cuba", "America/Havana", es="La Habana", fr="La Havane", pt="Havana"),
    _c("Tokyo", "Japan", "Asia/Tokyo", es="Tokio", de="Tokio", pt="Tóquio"),
    _c("Osaka", "Japan", "Asia/Tokyo"),
    _c("Kyoto", "Japan", "Asia/Tokyo", es="Kioto", pt="Quioto"),
    _c("Seoul", "South Korea", "Asia/Seoul", es="Seúl", fr="Séoul", pt="Seul"),
    _c("Shanghai", "China", "Asia/Shanghai", es="Shanghái", de="Schanghai", pt="Xangai"),
    _c("Beijing", "China", "Asia/Shanghai", es="Pekín", fr="Pékin", de="Peking", pt="Pequim"),
    _c("Hong Kong", "China", "Asia/Hong_Kong"),
    _c("Singapore", "Singapore", "Asia/Singapore", es="Singapur", fr="Singapour", de="Singapur",
       pt="Singapura"),
    _c("Bangkok", "Thailand", "Asia/Bangkok", es="Bangkok", pt="Banguecoque"),
    _c("Hanoi", "Vietnam", "Asia/Ho_Chi_Minh", es="Hanói", pt="Hanói"),
    _c("Jakarta", "Indonesia", "Asia/Jakarta", es="Yakarta", pt="Jacarta"),
    _c("Manila", "Philippines", "Asia/Manila"),
    _c("Mumbai", "India", "Asia/Kolkata", es="Bombay"),
    _c("Delhi", "India", "Asia/Kolkata", es="Delhi", pt="Deli"),
    _c("Bangalore", "India", "Asia/Kolkata"),
    _c("Dubai", "United Arab Emirates", "Asia/Dubai", es="Dubái"),
    _c("Tel Aviv", "Israel", "Asia/Jerusalem"),
    _c("Cairo", "Egypt", "Africa/Cairo", es="El Cairo", fr="Le Caire", de="Kairo", pt="Cairo"),
    _c("Marrakesh", "Morocco", "Africa/Casablanca", es="Marrakech", fr="Marrakech", de="Marrakesch",
       pt="Marraquexe"),
    _c("Nairobi", "Kenya", "Africa/Nairobi"),
    _c("Lagos", "Nigeria", "Africa/Lagos"),
    _c("Cape Town", "South Africa", "Africa/Johannesburg", es="Ciudad del Cabo", fr="Le Cap",
       de="Kapstadt", pt="Cidade do Cabo"),
    _c("Accra", "Ghana", "Africa/Accra"),
    _c("Sydney", "Australia", "Australia/Sydney", es="Sídney"),
    _c("Melbourne", "Australia", "Australia/Melbourne"),
    _c("Perth", "Australia", "Australia/Perth"),
    _c("Auckland", "New Zealand", "Pacific/Auckland"),
    _c("Honolulu", "United States", "Pacific/Honolulu"),
    _c("Anchorage", "United States", "America/Anchorage"),
    _c("Kathmandu", "Nepal", "Asia/Kathmandu", es="Katmandú", pt="Catmandu"),
    _c("Ushuaia", "Argentina", "America/Argentina/Ushuaia"),
    _c("Tromsø", "Norway", "Europe/Oslo"),
]

#: Places that are not cities but that people ask the weather for (no timezone use).
PLACES: list[str] = [
    "Yosemite National Park", "Mount Fuji", "the Swiss Alps", "Lake Tahoe", "the Scottish Highlands",
    "Banff", "Zermatt", "Chamonix", "the Amalfi Coast", "Santorini", "Bali", "Cancún", "Ibiza",
    "Mallorca", "the Dolomites", "Patagonia", "Machu Picchu", "the Grand Canyon", "Tenerife",
    "Cornwall", "Hokkaido", "the Lake District", "Cappadocia", "Queenstown",
]


@dataclass(frozen=True)
class Country:
    """A country with its capital (a :data:`CITIES` entry name or another city) and population."""

    name: str
    capital: str
    tz: str
    population: str
    population_value: int
    names: dict[str, str] = field(default_factory=dict)

    def local_name(self, lang: str) -> str:
        return self.names.get(lang, self.name)


def _k(name: str, capital: str, tz: str, pop: str, value: int, **names: str) -> Country:
    return Country(name, capital, tz, pop, value, dict(names))


CAPITALS: list[Country] = [
    _k("Australia", "Canberra", "Australia/Sydney", "27 million", 27_000_000),
    _k("Canada", "Ottawa", "America/Toronto", "41 million", 41_000_000, fr="Canada", es="Canadá", pt="Canadá",
       de="Kanada"),
    _k("Brazil", "Brasília", "America/Sao_Paulo", "212 million", 212_000_000, es="Brasil", fr="Brésil",
       de="Brasilien", pt="Brasil"),
    _k("Turkey", "Ankara", "Europe/Istanbul", "85 million", 85_000_000, es="Turquía", fr="Turquie",
       de="Türkei", pt="Turquia"),
    _k("Switzerland", "Bern", "Europe/Zurich", "9 million", 9_000_000, es="Suiza", fr="Suisse",
       de="Schweiz", pt="Suíça"),
    _k("New Zealand", "Wellington", "Pacific/Auckland", "5.3 million", 5_300_000, es="Nueva Zelanda",
       fr="Nouvelle-Zélande", de="Neuseeland", pt="Nova Zelândia"),
    _k("Morocco", "Rabat", "Africa/Casablanca", "37 million", 37_000_000, es="Marruecos", fr="Maroc",
       de="Marokko", pt="Marrocos"),
    _k("Vietnam", "Hanoi", "Asia/Ho_Chi_Minh", "101 million", 101_000_000),
    _k("Nigeria", "Abuja", "Africa/Lagos", "230 million", 230_000_000),
    _k("Kenya", "Nairobi", "Africa/Nairobi", "56 million", 56_000_000),
    _k("Peru", "Lima", "America/Lima", "34 million", 34_000_000, es="Perú", fr="Pérou", pt="Peru"),
    _k("Chile", "Santiago", "America/Santiago", "20 million", 20_000_000),
    _k("Norway", "Oslo", "Europe/Oslo", "5.6 million", 5_600_000, es="Noruega", fr="Norvège",
       de="Norwegen", pt="Noruega"),
    _k("Portugal", "Lisbon", "Europe/Lisbon", "10.6 million", 10_600_000),
    _k("Egypt", "Cairo", "Africa/Cairo", "114 million", 114_000_000, es="Egipto", fr="Égypte",
       de="Ägypten", pt="Egito"),
    _k("Thailand", "Bangkok", "Asia/Bangkok", "72 million", 72_000_000, es="Tailandia", fr="Thaïlande",
       pt="Tailândia"),
    _k("Iceland", "Reykjavik", "Atlantic/Reykjavik", "390,000", 390_000, es="Islandia", fr="Islande",
       de="Island", pt="Islândia"),
    _k("Mongolia", "Ulaanbaatar", "Asia/Ulaanbaatar", "3.5 million", 3_500_000),
    _k("Pakistan", "Islamabad", "Asia/Karachi", "240 million", 240_000_000),
    _k("Kazakhstan", "Astana", "Asia/Almaty", "20 million", 20_000_000),
    _k("Tanzania", "Dodoma", "Africa/Dar_es_Salaam", "68 million", 68_000_000),
    _k("Philippines", "Manila", "Asia/Manila", "114 million", 114_000_000, es="Filipinas",
       fr="Philippines", de="Philippinen", pt="Filipinas"),
    _k("Indonesia", "Jakarta", "Asia/Jakarta", "280 million", 280_000_000),
    _k("Argentina", "Buenos Aires", "America/Argentina/Buenos_Aires", "46 million", 46_000_000),
    _k("Colombia", "Bogotá", "America/Bogota", "52 million", 52_000_000, fr="Colombie", de="Kolumbien",
       pt="Colômbia"),
    _k("Ghana", "Accra", "Africa/Accra", "34 million", 34_000_000),
    _k("Ethiopia", "Addis Ababa", "Africa/Addis_Ababa", "129 million", 129_000_000, es="Etiopía",
       fr="Éthiopie", de="Äthiopien", pt="Etiópia"),
    _k("Finland", "Helsinki", "Europe/Helsinki", "5.6 million", 5_600_000, es="Finlandia", fr="Finlande",
       de="Finnland", pt="Finlândia"),
    _k("Ireland", "Dublin", "Europe/Dublin", "5.3 million", 5_300_000, es="Irlanda", fr="Irlande",
       de="Irland", pt="Irlanda"),
    _k("Hungary", "Budapest", "Europe/Budapest", "9.6 million", 9_600_000, es="Hungría", fr="Hongrie",
       de="Ungarn", pt="Hungria"),
    _k("Poland", "Warsaw", "Europe/Warsaw", "37 million", 37_000_000, es="Polonia", fr="Pologne",
       de="Polen", pt="Polônia"),
    _k("Greece", "Athens", "Europe/Athens", "10.4 million", 10_400_000, es="Grecia", fr="Grèce",
       de="Griechenland", pt="Grécia"),
    _k("Japan", "Tokyo", "Asia/Tokyo", "124 million", 124_000_000, es="Japón", fr="Japon", pt="Japão"),
    _k("South Korea", "Seoul", "Asia/Seoul", "51 million", 51_000_000, es="Corea del Sur",
       fr="Corée du Sud", de="Südkorea", pt="Coreia do Sul"),
    _k("Mexico", "Mexico City", "America/Mexico_City", "130 million", 130_000_000, es="México",
       fr="Mexique", de="Mexiko", pt="México"),
    _k("Denmark", "Copenhagen", "Europe/Copenhagen", "6 million", 6_000_000, es="Dinamarca",
       fr="Danemark", de="Dänemark", pt="Dinamarca"),
]

# ISO 639-1 code → name as written in a request in en / es / fr / de / pt.
LANGUAGES: dict[str, dict[str, str]] = {
    "fr": {"en": "French", "es": "francés", "fr": "français", "de": "Französisch", "pt": "francês"},
    "es": {"en": "Spanish", "es": "español", "fr": "espagnol", "de": "Spanisch", "pt": "espanhol"},
    "de": {"en": "German", "es": "alemán", "fr": "allemand", "de": "Deutsch", "pt": "alemão"},
    "it": {"en": "Italian", "es": "italiano", "fr": "italien", "de": "Italienisch", "pt": "italiano"},
    "pt": {"en": "Portuguese", "es": "portugués", "fr": "portugais", "de": "Portugiesisch", "pt": "português"},
    "en": {"en": "English", "es": "inglés", "fr": "anglais", "de": "Englisch", "pt": "inglês"},
    "ja": {"en": "Japanese", "es": "japonés", "fr": "japonais", "de": "Japanisch", "pt": "japonês"},
    "zh": {"en": "Chinese", "es": "chino", "fr": "chinois", "de": "Chinesisch", "pt": "chinês"},
    "ko": {"en": "Korean", "es": "coreano", "fr": "coréen", "de": "Koreanisch", "pt": "coreano"},
    "ru": {"en": "Russian", "es": "ruso", "fr": "russe", "de": "Russisch", "pt": "russo"},
    "ar": {"en": "Arabic", "es": "árabe", "fr": "arabe", "de": "Arabisch", "pt": "árabe"},
    "nl": {"en": "Dutch", "es": "neerlandés", "fr": "néerlandais", "de": "Niederländisch", "pt": "holandês"},
    "sv": {"en": "Swedish", "es": "sueco", "fr": "suédois", "de": "Schwedisch", "pt": "sueco"},
    "pl": {"en": "Polish", "es": "polaco", "fr": "polonais", "de": "Polnisch", "pt": "polonês"},
    "tr": {"en": "Turkish", "es": "turco", "fr": "turc", "de": "Türkisch", "pt": "turco"},
    "el": {"en": "Greek", "es": "griego", "fr": "grec", "de": "Griechisch", "pt": "grego"},
    "hi": {"en": "Hindi", "es": "hindi", "fr": "hindi", "de": "Hindi", "pt": "híndi"},
    "vi": {"en": "Vietnamese", "es": "vietnamita", "fr": "vietnamien", "de": "Vietnamesisch", "pt": "vietnamita"},
    "uk": {"en": "Ukrainian", "es": "ucraniano", "fr": "ukrainien", "de": "Ukrainisch", "pt": "ucraniano"},
    "ca": {"en": "Catalan", "es": "catalán", "fr": "catalan", "de": "Katalanisch", "pt": "catalão"},
}
#: Extra English names users write for a code.
LANGUAGE_ALIASES: dict[str, list[str]] = {"zh": ["Mandarin", "Mandarin Chinese"], "el": ["modern Greek"]}


def language_accept(code: str) -> list[str]:
    """Acceptable ``to_lang`` values for ``code``: the code, then its names in all languages."""
    out = [code]
    for name in list(LANGUAGES[code].values()) + LANGUAGE_ALIASES.get(code, []):
        for variant in (name, name.lower(), name.capitalize()):
            if variant not in out:
                out.append(variant)
    return out


@dataclass(frozen=True)
class Word:
    """A dictionary entry: the word, its part of speech and a one-line definition."""

    word: str
    pos: str
    definition: str


WORDS: list[Word] = [Word(*row) for row in [
    ("petrichor", "noun", "the pleasant earthy smell after rain falls on dry ground"),
    ("serendipity", "noun", "finding something good without looking for it"),
    ("ephemeral", "adjective", "lasting for a very short time"),
    ("ubiquitous", "adjective", "present or found everywhere"),
    ("sesquipedalian", "adjective", "given to using long words"),
    ("quixotic", "adjective", "idealistic in an unrealistic and impractical way"),
    ("obsequious", "adjective", "too eager to please or obey"),
    ("perspicacious", "adjective", "quick to notice and understand things"),
    ("lugubrious", "adjective", "looking or sounding sad and dismal"),
    ("mellifluous", "adjective", "sweet and smooth to hear"),
    ("susurrus", "noun", "a soft whispering or rustling sound"),
    ("apricity", "noun", "the warmth of the sun in winter"),
    ("limerence", "noun", "the state of being infatuated with another person"),
    ("defenestrate", "verb", "to throw someone or something out of a window"),
    ("kerfuffle", "noun", "a commotion or fuss caused by a disagreement"),
    ("brouhaha", "noun", "a noisy and excited reaction to something"),
    ("onomatopoeia", "noun", "a word that imitates the sound it describes"),
    ("juxtapose", "verb", "to place close together for contrasting effect"),
    ("ineffable", "adjective", "too great to be expressed in words"),
    ("halcyon", "adjective", "calm, peaceful and happy, usually of a past time"),
    ("laconic", "adjective", "using very few words"),
    ("loquacious", "adjective", "tending to talk a great deal"),
    ("pernicious", "adjective", "having a harmful effect in a gradual or subtle way"),
    ("esoteric", "adjective", "understood by only a small group of people"),
    ("enervate", "verb", "to make someone feel drained of energy"),
    ("nonplussed", "adjective", "so surprised that one is unsure how to react"),
    ("sanguine", "adjective", "optimistic, especially in a difficult situation"),
    ("obfuscate", "verb", "to make something unclear or hard to understand"),
    ("ameliorate", "verb", "to make something bad better"),
    ("anachronism", "noun", "something that belongs to a different time period"),
    ("cacophony", "noun", "a harsh mixture of loud sounds"),
    ("effervescent", "adjective", "bubbly; also lively and enthusiastic"),
    ("equanimity", "noun", "calmness and composure, especially under stress"),
    ("garrulous", "adjective", "excessively talkative about trivial things"),
    ("hubris", "noun", "excessive pride or self-confidence"),
    ("idiosyncrasy", "noun", "a peculiar habit or way of behaving"),
    ("insouciant", "adjective", "showing a casual lack of concern"),
    ("magnanimous", "adjective", "generous or forgiving, especially toward a rival"),
    ("nefarious", "adjective", "wicked or criminal"),
    ("penultimate", "adjective", "last but one in a series"),
    ("quintessential", "adjective", "representing the most perfect example of something"),
    ("recalcitrant", "adjective", "stubbornly uncooperative"),
    ("sycophant", "noun", "a person who flatters powerful people to gain advantage"),
    ("taciturn", "adjective", "reserved and saying little"),
    ("verisimilitude", "noun", "the appearance of being true or real"),
    ("zeitgeist", "noun", "the defining spirit or mood of a period of history"),
    ("wanderlust", "noun", "a strong desire to travel"),
    ("schadenfreude", "noun", "pleasure derived from another person's misfortune"),
    ("palimpsest", "noun", "something reused or altered but still showing traces of its earlier form"),
    ("syzygy", "noun", "the alignment of three celestial bodies in a straight line"),
    ("absquatulate", "verb", "to leave abruptly"),
    ("borborygmus", "noun", "a rumbling noise made by gas in the intestines"),
    ("crepuscular", "adjective", "relating to or active in twilight"),
    ("eponymous", "adjective", "giving its name to something, or named after a person"),
    ("facetious", "adjective", "treating serious issues with inappropriate humor"),
    ("gregarious", "adjective", "fond of company; sociable"),
    ("resilient", "adjective", "able to recover quickly from difficulties"),
    ("ambiguous", "adjective", "open to more than one interpretation"),
    ("cogent", "adjective", "clear, logical and convincing"),
    ("pragmatic", "adjective", "dealing with things sensibly and realistically"),
    ("benevolent", "adjective", "well meaning and kindly"),
    ("ostracize", "verb", "to exclude someone from a group"),
    ("gauche", "adjective", "lacking ease or grace; socially awkward"),
    ("fastidious", "adjective", "very attentive to accuracy and detail"),
    ("mendacious", "adjective", "not telling the truth; lying"),
    ("vicissitude", "noun", "a change of circumstances, usually unwelcome"),
    ("lackadaisical", "adjective", "lacking enthusiasm and determination"),
    ("persnickety", "adjective", "placing too much emphasis on trivial details"),
    ("flummox", "verb", "to perplex someone greatly"),
    ("discombobulated", "adjective", "confused and disconcerted"),
    ("ennui", "noun", "a feeling of listlessness arising from boredom"),
    ("liminal", "adjective", "relating to a transitional or in-between stage"),
    ("sonorous", "adjective", "imposingly deep and full in sound"),
    ("cromulent", "adjective", "acceptable or adequate (humorous)"),
    ("pulchritude", "noun", "physical beauty"),
    ("snollygoster", "noun", "a shrewd, unprincipled person, especially a politician"),
    ("bamboozle", "verb", "to fool or cheat someone"),
    ("alacrity", "noun", "brisk and cheerful readiness"),
    ("umbrage", "noun", "offence or annoyance"),
    ("gobbledygook", "noun", "language that is meaningless or hard to understand"),
]]


@dataclass(frozen=True)
class Phrase:
    """A text to translate, its source language, and translations we know (code → text)."""

    text: str
    source: str
    known: dict[str, str] = field(default_factory=dict)


def _p(text: str, es: str = "", fr: str = "", de: str = "", pt: str = "", it: str = "") -> Phrase:
    known = {k: v for k, v in {"es": es, "fr": fr, "de": de, "pt": pt, "it": it}.items() if v}
    return Phrase(text, "en", known)


PHRASES: list[Phrase] = [
    _p("Where is the train station?", "¿Dónde está la estación de tren?", "Où est la gare ?",
       "Wo ist der Bahnhof?", "Onde fica a estação de trem?", "Dov'è la stazione?"),
    _p("Thank you for your help", "Gracias por tu ayuda", "Merci pour votre aide", "Danke für deine Hilfe",
       "Obrigado pela sua ajuda", "Grazie per il tuo aiuto"),
    _p("How much does this cost?", "¿Cuánto cuesta esto?", "Combien ça coûte ?", "Wie viel kostet das?",
       "Quanto custa isso?", "Quanto costa questo?"),
    _p("I would like a table for two", "Quisiera una mesa para dos", "Je voudrais une table pour deux",
       "Ich hätte gern einen Tisch für zwei", "Eu gostaria de uma mesa para dois",
       "Vorrei un tavolo per due"),
    _p("Happy birthday!", "¡Feliz cumpleaños!", "Joyeux anniversaire !", "Alles Gute zum Geburtstag!",
       "Feliz aniversário!", "Buon compleanno!"),
    _p("Good morning", "Buenos días", "Bonjour", "Guten Morgen", "Bom dia", "Buongiorno"),
    _p("Where is the bathroom?", "¿Dónde está el baño?", "Où sont les toilettes ?", "Wo ist die Toilette?",
       "Onde fica o banheiro?", "Dov'è il bagno?"),
    _p("I am allergic to peanuts", "Soy alérgico a los cacahuetes", "Je suis allergique aux arachides",
       "Ich bin allergisch gegen Erdnüsse", "Sou alérgico a amendoim", "Sono allergico alle arachidi"),
    _p("The meeting is postponed until Monday", "La reunión se aplaza hasta el lunes",
       "La réunion est reportée à lundi", "Das Meeting ist auf Montag verschoben",
       "A reunião foi adiada para segunda-feira", "La riunione è rinviata a lunedì"),
    _p("Can you speak more slowly, please?", "¿Puede hablar más despacio, por favor?",
       "Pouvez-vous parler plus lentement, s'il vous plaît ?", "Können Sie bitte langsamer sprechen?",
       "Pode falar mais devagar, por favor?", "Può parlare più lentamente, per favore?"),
    _p("I love you", "Te quiero", "Je t'aime", "Ich liebe dich", "Eu te amo", "Ti amo"),
    _p("See you tomorrow", "Hasta mañana", "À demain", "Bis morgen", "Até amanhã", "A domani"),
    _p("The bill, please", "La cuenta, por favor", "L'addition, s'il vous plaît", "Die Rechnung, bitte",
       "A conta, por favor", "Il conto, per favore"),
    _p("I don't understand", "No entiendo", "Je ne comprends pas", "Ich verstehe nicht", "Não entendo",
       "Non capisco"),
    _p("Congratulations on your new job", "Felicidades por tu nuevo trabajo",
       "Félicitations pour ton nouveau travail", "Glückwunsch zum neuen Job",
       "Parabéns pelo novo emprego", "Congratulazioni per il nuovo lavoro"),
    _p("Is breakfast included?", "¿El desayuno está incluido?", "Le petit-déjeuner est-il inclus ?",
       "Ist das Frühstück inklusive?", "O café da manhã está incluído?", "La colazione è inclusa?"),
    _p("My flight has been cancelled", "Mi vuelo ha sido cancelado", "Mon vol a été annulé",
       "Mein Flug wurde gestrichen", "Meu voo foi cancelado", "Il mio volo è stato cancellato"),
    _p("Could you call a taxi for me?", "¿Podría llamarme un taxi?", "Pourriez-vous m'appeler un taxi ?",
       "Könnten Sie mir ein Taxi rufen?", "Poderia chamar um táxi para mim?", "Potrebbe chiamarmi un taxi?"),
    _p("We are out of milk"),
    _p("The package will arrive on Thursday"),
    _p("Please keep the door closed"),
    _p("I'm running ten minutes late"),
    _p("This soup is delicious"),
    _p("Do you have any vegetarian dishes?"),
    _p("The museum is closed on Mondays"),
    _p("Nice to meet you"),
    _p("Where can I buy a SIM card?"),
    _p("I lost my passport"),
    _p("Turn left at the second traffic light"),
    _p("Sorry, I didn't catch your name"),
    _p("The wifi password is on the fridge"),
    _p("Please send me the invoice by Friday"),
    _p("Our office will be closed for the holidays"),
    _p("Could I get the recipe for this cake?"),
    _p("What time does the last bus leave?"),
    _p("I need a doctor"),
    _p("Let's meet at the café at noon"),
    _p("Thank you for the lovely evening"),
    _p("Welcome to our home"),
    _p("Mind the gap"),
]

#: Non-English texts users ask to translate (into English or another language).
FOREIGN_PHRASES: list[Phrase] = [
    Phrase("¿Dónde está la biblioteca?", "es", {"en": "Where is the library?"}),
    Phrase("Me encanta esta ciudad", "es", {"en": "I love this city"}),
    Phrase("No hay mal que por bien no venga", "es"),
    Phrase("Il pleut des cordes", "fr", {"en": "It's raining cats and dogs"}),
    Phrase("Je voudrais un café, s'il vous plaît", "fr", {"en": "I would like a coffee, please"}),
    Phrase("C'est la vie", "fr", {"en": "That's life"}),
    Phrase("Ich habe keine Ahnung", "de", {"en": "I have no idea"}),
    Phrase("Das ist nicht mein Bier", "de", {"en": "That's not my problem"}),
    Phrase("Wie spät ist es?", "de", {"en": "What time is it?"}),
    Phrase("Saudade é uma palavra bonita", "pt", {"en": "Saudade is a beautiful word"}),
    Phrase("Onde fica a praia mais próxima?", "pt", {"en": "Where is the nearest beach?"}),
    Phrase("La dolce vita", "it", {"en": "The sweet life"}),
    Phrase("In bocca al lupo", "it", {"en": "Good luck"}),
    Phrase("Carpe diem", "la", {"en": "Seize the day"}),
    Phrase("Hakuna matata", "sw", {"en": "No worries"}),
    Phrase("Arigatou gozaimasu", "ja", {"en": "Thank you very much"}),
]

DECOR: dict[str, dict[str, list[str]]] = {
    "en": {
        "friend": ["my sister", "my brother", "my mom", "my dad", "my girlfriend", "my boyfriend", "a friend",
                   "my boss", "my roommate", "my grandma", "a coworker", "my kids", "my wife", "my husband"],
        "when": ["tomorrow", "this weekend", "on Friday", "next week", "tonight", "in the morning",
                 "later today", "on Saturday"],
        "activity": ["a run", "a picnic", "a bike ride", "a hike", "a barbecue", "a beach day", "a walk",
                     "an outdoor wedding", "a football match", "a road trip"],
        "ctx": ["I'm planning a trip with my family.", "Long day at work, sorry if this is messy.",
                "My phone battery is almost dead.", "I'm cooking dinner while typing this.",
                "I've been meaning to ask this for a while.", "My friend and I were arguing about this.",
                "I just woke up.", "I'm in a meeting so I'll be quick."],
    },
    "es": {"friend": ["mi hermana", "mi madre", "mi jefe", "un amigo", "mi novia"],
           "when": ["mañana", "este fin de semana", "el viernes", "esta noche"],
           "activity": ["un paseo", "una barbacoa", "una excursión", "un día de playa"],
           "ctx": ["Estoy organizando un viaje.", "Perdona las prisas."]},
    "fr": {"friend": ["ma sœur", "ma mère", "mon patron", "un ami", "mon copain"],
           "when": ["demain", "ce week-end", "vendredi", "ce soir"],
           "activity": ["une balade", "un pique-nique", "une randonnée", "une journée à la plage"],
           "ctx": ["Je prépare un voyage.", "Désolé, je suis pressé."]},
    "de": {"friend": ["meine Schwester", "meine Mutter", "mein Chef", "ein Freund", "meine Freundin"],
           "when": ["morgen", "am Wochenende", "am Freitag", "heute Abend"],
           "activity": ["einen Spaziergang", "ein Picknick", "eine Wanderung", "eine Radtour"],
           "ctx": ["Ich plane gerade eine Reise.", "Sorry, kurz zwischen zwei Terminen."]},
    "pt": {"friend": ["minha irmã", "minha mãe", "meu chefe", "um amigo", "minha namorada"],
           "when": ["amanhã", "neste fim de semana", "na sexta", "hoje à noite"],
           "activity": ["uma caminhada", "um piquenique", "um churrasco", "um dia de praia"],
           "ctx": ["Estou planejando uma viagem.", "Desculpa a pressa."]},
}

