"""Single-call families for ``web_search``, ``wikipedia`` and ``web_reader``.

Search and Wikipedia queries are free text, so their calls carry ``keywords`` (the
entity words any acceptable query must contain) rather than one exact string. Current
information (prices, scores, news, schedules, local places, flights) goes to
``web_search``; stable facts about named people, places, events and works go to
``wikipedia``; a URL in the request goes to ``web_reader``.
"""

from __future__ import annotations

import random

from toolschool.datagen.family import Call, Draw, Family, Maker, ci, exact, single
from toolschool.datagen.slots import CITIES
from toolschool.datagen.topics import (
    BOOKS,
    COMPANIES,
    FLIGHTS,
    LEAGUES,
    LOCAL,
    NEWS_TOPICS,
    PEOPLE,
    PRICE_ITEMS,
    RELEASES,
    SCHEDULES,
    TOPICS,
    random_url,
)

# ------------------------------------------------------------------ web_search


def search_call(query: str, keywords: list[str], hint: dict | None = None) -> Call:
    """A web_search call checked loosely: the query must contain every keyword."""
    return Call("web_search", {"query": query}, keywords={"query": keywords}, hint=hint or {"query": query})


def _bare(item: str) -> str:
    for article in ("a ", "an ", "the "):
        if item.startswith(article):
            return item[len(article):]
    return item


def _price(rng: random.Random, lang: str) -> Draw:
    item, kw = rng.choice(PRICE_ITEMS)
    phrase = rng.choice(["the price of {i}", "the current price of {i}", "today's price of {i}"]).format(i=item)
    call = search_call(f"{_bare(item)} price today", [kw], {"kind": "price", "item": _bare(item)})
    return Draw({"topic": ci(phrase), "item": ci(item), "query": ci(call.arguments["query"])}, [call])


def _teams(rng: random.Random) -> tuple[str, str, str]:
    league = rng.choice(sorted(LEAGUES))
    a, b = rng.sample(LEAGUES[league], 2)
    return a, b, "" if league == "football" else "the "


def _score(rng: random.Random, lang: str) -> Draw:
    a, b, the = _teams(rng)
    phrase = rng.choice(["the score of the {a} vs {b} game", "the result of {t}{a} against {t}{b}",
                         "the final score of {a} vs {b}"]).format(a=a, b=b, t=the)
    query = {"en": f"{a} vs {b} score", "es": f"resultado {a} {b}", "fr": f"score {a} {b}",
             "de": f"{a} gegen {b} Ergebnis", "pt": f"resultado {a} x {b}"}[lang]
    call = search_call(query, [a, b], {"kind": "score", "teams": [a, b]})
    slots = {"topic": ci(phrase), "a": ci(a), "b": ci(b), "ta": ci(the + a), "tb": ci(the + b), "query": ci(query)}
    return Draw(slots, [call])


_NAMED_NEWS = {"Artemis", "AI Act", "James Webb", "OpenAI", "Starliner", "Zelda", "Taylor Swift", "Eurovision",
               "Linux kernel", "Suez", "Great Barrier Reef", "Rust"}


def _news(rng: random.Random, lang: str) -> Draw:
    pool = NEWS_TOPICS if lang == "en" else [t for t in NEWS_TOPICS if t[1] in _NAMED_NEWS]
    topic, kw = rng.choice(pool)
    phrase = rng.choice(["the latest news about {t}", "the latest on {t}", "recent updates on {t}"]).format(t=topic)
    query = {"en": f"{_bare(topic)} latest news", "es": f"noticias {kw}", "fr": f"actualités {kw}",
             "de": f"{kw} Nachrichten", "pt": f"notícias {kw}"}[lang]
    call = search_call(query, [kw], {"kind": "news", "topic": kw})
    return Draw({"topic": ci(phrase), "news": ci(topic), "kw": ci(kw), "query": ci(query)}, [call])


def _schedule(rng: random.Random, lang: str) -> Draw:
    phrase, query, kw = rng.choice(SCHEDULES)
    return Draw({"topic": ci(phrase), "event": ci(phrase), "query": ci(query)},
                [search_call(query, [kw], {"kind": "schedule", "topic": kw})])


def _release(rng: random.Random, lang: str) -> Draw:
    phrase, query, kw = rng.choice(RELEASES)
    return Draw({"topic": ci(phrase), "release": ci(phrase), "query": ci(query)},
                [search_call(query, [kw], {"kind": "release", "topic": kw})])


def _local(rng: random.Random, lang: str) -> Draw:
    phrase, query, kw = rng.choice(LOCAL)
    city = rng.choice(CITIES).name
    text, q = phrase.format(city=city), query.format(city=city)
    return Draw({"topic": ci(text), "local": ci(text), "query": ci(q)},
                [search_call(q, [kw, city], {"kind": "local", "topic": kw, "city": city})])


def _flight(rng: random.Random, lang: str) -> Draw:
    code = rng.choice(FLIGHTS)
    return Draw({"flight": exact(code)}, [search_call(f"{code} flight status", [code], {"kind": "flight"})])


def _company(rng: random.Random, lang: str) -> Draw:
    company = rng.choice(COMPANIES)
    query = f"{company} customer service phone number"
    return Draw({"company": ci(company)}, [search_call(query, [company], {"kind": "contact"})])


#: (product as users name it, keyword a query must contain) — things people read reviews of or shop for.
_PRODUCTS: list[tuple[str, str]] = [
    ("the Sony WH-1000XM6", "WH-1000XM6"), ("the Kindle Paperwhite", "Kindle"), ("the Framework Laptop", "Framework"),
    ("the Dyson V15", "Dyson V15"), ("the Pixel 10", "Pixel 10"), ("the Meta Quest 3", "Quest 3"),
    ("the AirPods Pro", "AirPods Pro"), ("the Steam Deck OLED", "Steam Deck"), ("the Garmin Forerunner 965", "Forerunner"),
    ("the Roborock S8", "Roborock"), ("the Fujifilm X100VI", "X100VI"), ("the Galaxy S25", "Galaxy S25"),
    ("the iPad Air", "iPad Air"), ("the Nintendo Switch 2", "Switch 2"), ("the Breville Barista Express", "Breville"),
]

#: Online services people check for outages.
_SERVICES: list[str] = ["Gmail", "Discord", "Slack", "Instagram", "GitHub", "WhatsApp", "Steam", "Netflix",
                        "Outlook", "Spotify", "Zoom", "ChatGPT", "YouTube", "Reddit", "PlayStation Network"]

#: (kind of place, keyword) for opening hours and "best X near Y".
_SHOPS: list[tuple[str, str]] = [
    ("post office", "post office"), ("IKEA", "IKEA"), ("Apple Store", "Apple Store"), ("farmers market", "market"),
    ("public library", "library"), ("DMV", "DMV"), ("Decathlon", "Decathlon"), ("bank", "bank"),
    ("supermarket", "supermarket"), ("swimming pool", "pool"), ("Lidl", "Lidl"), ("recycling centre", "recycling"),
]
_NEARBY: list[str] = ["sushi", "coffee shop", "pizza", "brunch spot", "bookstore", "climbing gym", "tapas bar",
                      "bakery", "Thai food", "vintage shop", "burger joint", "wine bar"]


def _review(rng: random.Random, lang: str) -> Draw:
    product, kw = rng.choice(_PRODUCTS)
    query = {"en": f"{_bare(product)} review", "es": f"{_bare(product)} opiniones", "fr": f"{_bare(product)} avis",
             "de": f"{_bare(product)} Test", "pt": f"{_bare(product)} review"}[lang]
    call = search_call(query, [kw], {"kind": "review", "topic": kw})
    return Draw({"product": ci(product), "bare": ci(_bare(product)), "query": ci(query)}, [call])


def _deal(rng: random.Random, lang: str) -> Draw:
    product, kw = rng.choice(_PRODUCTS)
    query = f"{_bare(product)} best price"
    call = search_call(query, [kw], {"kind": "price", "item": _bare(product)})
    return Draw({"product": ci(product), "bare": ci(_bare(product))}, [call])


def _outage(rng: random.Random, lang: str) -> Draw:
    service = rng.choice(_SERVICES)
    query = {"en": f"is {service} down", "es": f"{service} caído", "fr": f"{service} en panne",
             "de": f"{service} Störung", "pt": f"{service} fora do ar"}[lang]
    return Draw({"service": ci(service)}, [search_call(query, [service], {"kind": "status", "topic": service})])


def _hours(rng: random.Random, lang: str) -> Draw:
    shop, kw = rng.choice(_SHOPS)
    city = rng.choice(CITIES).name
    query = f"{shop} {city} opening hours"
    call = search_call(query, [kw, city], {"kind": "local", "topic": shop, "city": city})
    return Draw({"shop": ci(shop), "city": ci(city)}, [call])


def _nearby(rng: random.Random, lang: str) -> Draw:
    thing = rng.choice(_NEARBY)
    city = rng.choice(CITIES).name
    call = search_call(f"best {thing} {city}", [thing, city], {"kind": "local", "topic": thing, "city": city})
    return Draw({"thing": ci(thing), "city": ci(city)}, [call])


def draw_search_topic(rng: random.Random, lang: str) -> Draw:
    """Maker: any web_search topic (price, score, news, schedule, release, local) as ``{topic}``."""
    return rng.choice([_price, _score, _news, _schedule, _release, _local])(rng, lang)


WEB_SEARCH: list[Family] = [
    single("web_search", "look_up", draw_search_topic, [
        "Can you look up {topic}?", "Search for {topic}.", "Find {topic} for me.", "google {topic}"]),
    single("web_search", "need_to_know", draw_search_topic, [
        "I need to know {topic}.", "I'd like to find out {topic}.", "Could you check online for {topic}?"]),
    single("web_search", "terse_query", draw_search_topic, ["{query}", "{query}?", "search {query}", "{query} pls"]),
    single("web_search", "price_question", _price, [
        "How much is {item} right now?", "What's {item} trading at today?", "what does {item} cost these days",
        "Has the price of {item} gone up today?"]),
    single("web_search", "score_question", _score, [
        "Who won the {a} vs {b} game?", "Did {ta} beat {tb} last night?",
        "What was the final score between {ta} and {tb}?", "{a} {b} score?"]),
    single("web_search", "news_question", _news, [
        "What's the latest on {news}?", "Any news about {news} today?", "What happened with {news} this week?",
        "Catch me up on {news}."]),
    single("web_search", "schedule_info", _schedule, [
        "Look up {event} for me.", "Can you check {event}?", "I need the latest info on {event}.",
        "Search the web for {event}."]),
    single("web_search", "local_recommendations", _local, [
        "Can you find {local}?", "I'm looking for {local}. Can you search online?",
        "I just moved here. Could you look up {local}?", "Find me {local}, please."]),
    single("web_search", "flight_status", _flight, [
        "Is flight {flight} on time?", "What's the status of {flight}?", "Has {flight} landed yet?",
        "my mom is on {flight}, is it delayed?"]),
    single("web_search", "company_contact", _company, [
        "What's the customer service number for {company}?", "How do I contact {company} support?",
        "Find the phone number for {company} customer service."]),
    single("web_search", "releases", _release, [
        "Search for {release}.", "Any info on {release}?", "Can you check {release}?",
        "I'm curious about {release}. Can you look it up?"]),
    single("web_search", "long_context_bet", draw_search_topic, [
        "{ctx} {friend} and I have a bet going about {topic}. Can you search it and settle this?",
        "I've been offline all week because of exams, so I've missed everything. Could you look up {topic}?",
        "Okay weird request maybe, but I'm at a party and everyone is arguing about {topic}. Can you check?"]),
    single("web_search", "polite_formal", draw_search_topic, [
        "Would you please search the web for {topic}?", "Could you kindly find current information on {topic}?",
        "I would appreciate it if you could look up {topic}."]),
    single("web_search", "score", _score, [
        "¿Quién ganó el partido {a} contra {b}?", "¿Cómo quedó el {a} - {b}?", "Busca el resultado del {a} {b}"],
        lang="es"),
    single("web_search", "news", _news, [
        "Quelles sont les dernières nouvelles sur {kw} ?", "Tu peux chercher les actualités sur {kw} ?",
        "Quoi de neuf concernant {kw} ?"], lang="fr"),
    single("web_search", "score", _score, [
        "Wie ist das Spiel {a} gegen {b} ausgegangen?", "Wer hat {a} gegen {b} gewonnen?",
        "Such mal das Ergebnis von {a} gegen {b}"], lang="de"),
    single("web_search", "news", _news, [
        "Quais são as últimas notícias sobre {kw}?", "Pesquisa as notícias de hoje sobre {kw}",
        "O que há de novo sobre {kw}?"], lang="pt"),
    single("web_search", "product_reviews", _review, [
        "Is {product} any good? What are reviewers saying?", "reviews of {bare}?",
        "Should I buy {product} or is it overhyped? Check the reviews.",
        "What do people think of {product} so far?", "{bare} worth it?"]),
    single("web_search", "is_it_down", _outage, [
        "Is {service} down right now?", "{service} isn't loading for me. Is it down for everyone or just me?",
        "Is there a {service} outage today?", "{service} down?", "anyone else having problems with {service} rn?"]),
    single("web_search", "opening_hours", _hours, [
        "Is the {shop} in {city} open on Sunday?", "What time does the {shop} in {city} close today?",
        "{shop} {city} opening hours?", "Can you check when the {shop} in {city} opens tomorrow?"]),
    single("web_search", "best_near", _nearby, [
        "best {thing} near {city}?", "Where's a good {thing} around {city}? Check the reviews online.",
        "top-rated {thing} in {city} right now", "I'm in {city} for one night. Find me the best {thing} nearby."]),
    single("web_search", "deal_hunting", _deal, [
        "Where can I get {product} cheapest right now?", "Find me the best deal on {product}.",
        "Compare prices for {bare} across shops.", "Is {product} on sale anywhere this week?"]),
    single("web_search", "product_reviews", _review, [
        "¿Qué tal es {bare}? Busca opiniones", "¿Merece la pena {bare}?", "Busca reseñas de {bare}"], lang="es"),
    single("web_search", "is_it_down", _outage, [
        "Ist {service} gerade down?", "Gibt es heute eine Störung bei {service}?",
        "{service} funktioniert bei mir nicht. Liegt das an denen?"], lang="de"),
    single("web_search", "is_it_down", _outage, [
        "Est-ce que {service} est en panne en ce moment ?", "{service} ne marche plus chez moi, c'est général ?",
        "Il y a une panne de {service} aujourd'hui ?"], lang="fr"),
    single("web_search", "is_it_down", _outage, [
        "O {service} está fora do ar agora?", "O {service} caiu? Não está funcionando aqui",
        "Tem alguma falha no {service} hoje?"], lang="pt"),
]

# ------------------------------------------------------------------ wikipedia
_STOP = {"of", "the", "and", "de", "van", "da", "jr.", "von", "del"}
_WITH_THE = {"Great Barrier Reef", "Sahara", "Galápagos Islands", "Alhambra", "Chernobyl disaster",
             "French Revolution", "Fall of the Berlin Wall", "Black Death", "Industrial Revolution",
             "Meiji Restoration", "Treaty of Tordesillas", "Carnation Revolution", "Red Cross", "European Union",
             "Bauhaus", "Byzantine Empire", "Rosetta Stone", "Hanseatic League"}


_PERSON_NAMES = {p.name for p in PEOPLE} | {t.title for t in TOPICS if t.kind == "person"}


def wiki_keywords(title: str, person: bool = False) -> list[str]:
    """The distinctive words of an article title: a person's surname, else the first and
    last words that are not stopwords."""
    words = [w.strip(".,") for w in title.split() if w.lower() not in _STOP]
    words = [w for w in words if len(w) > 2] or title.split()
    if person or title in _PERSON_NAMES or len(words) == 1:
        return [words[-1]]
    return [words[0], words[-1]]


_LIVING = {"Hayao Miyazaki", "Paulo Coelho", "Haruki Murakami"}


def wiki_call(title: str, summary: str, person: bool = False) -> Call:
    """A wikipedia call for ``title``, checked loosely by its distinctive words.

    ``summary`` is the article's one-line description; the simulated result reads
    "<title> is/was <summary>." (past tense for people no longer alive).
    """
    is_person = person or title in _PERSON_NAMES
    verb = "was" if is_person and title not in _LIVING else "is"
    return Call("wikipedia", {"query": title}, keywords={"query": wiki_keywords(title, person)},
                hint={"summary": summary, "verb": verb})


def _surface(title: str) -> str:
    return f"the {title}" if title in _WITH_THE else title


def wiki_maker(kinds: tuple[str, ...] | None, people: bool) -> Maker:
    """Maker of an encyclopedic topic of ``kinds`` (all when None), people included if ``people``."""
    pool = [(t.title, t.summary) for t in TOPICS if kinds is None or t.kind in kinds]
    if people:
        pool += [(p.name, p.summary) for p in PEOPLE]

    def make(rng: random.Random, lang: str) -> Draw:
        title, summary = rng.choice(pool)
        text = ci(_surface(title))
        return Draw({"topic": text, "person": text, "place": text, "event": text, "work": text},
                    [wiki_call(title, summary)])

    return make


def _wiki_people(rng: random.Random, lang: str) -> Draw:
    pool = [(p.name, p.summary) for p in PEOPLE] + [(t.title, t.summary) for t in TOPICS if t.kind == "person"]
    title, summary = rng.choice(pool)
    return Draw({"topic": ci(title)}, [wiki_call(title, summary, person=True)])


#: (article title, how users write it, past-tense verb, summary) — inventions and discoveries.
_INVENTIONS: list[tuple[str, str, str, str]] = [
    ("Telephone", "the telephone", "invented", "a device that converts sound into signals sent over a distance"),
    ("Printing press", "the printing press", "invented", "a machine for printing text, developed by Gutenberg "
     "around 1440"),
    ("Penicillin", "penicillin", "discovered", "an antibiotic discovered by Alexander Fleming in 1928"),
    ("World Wide Web", "the World Wide Web", "invented", "an information system created by Tim Berners-Lee in 1989"),
    ("Radium", "radium", "discovered", "a radioactive element discovered by Marie and Pierre Curie in 1898"),
    ("Periodic table", "the periodic table", "came up with", "a tabular arrangement of the chemical elements"),
    ("Light bulb", "the light bulb", "invented", "an electric light that produces light from a heated filament"),
    ("Steam engine", "the steam engine", "invented", "a heat engine that performs work using steam"),
    ("Vaccine", "the first vaccine", "developed", "a preparation that provides immunity, pioneered by Edward "
     "Jenner"),
    ("Pythagorean theorem", "the Pythagorean theorem", "discovered", "a relation among the sides of a right "
     "triangle"),
    ("Insulin", "insulin", "discovered", "a hormone whose therapeutic use was discovered in Toronto in 1921"),
    ("Neptune", "Neptune", "discovered", "the eighth planet from the Sun, first observed in 1846"),
    ("Airplane", "the airplane", "invented", "a powered fixed-wing aircraft, first flown by the Wright brothers"),
    ("Braille", "Braille", "invented", "a tactile writing system created by Louis Braille"),
]

#: (article title, past-tense verb, past participle, maker noun, summary) — authored works.
_AUTHORED: list[tuple[str, str, str, str, str]] = [
    *[(book, "wrote", "written", "author", f"a novel by {author}") for book, author in BOOKS],
    ("Mona Lisa", "painted", "painted", "painter", "a portrait by Leonardo da Vinci"),
    ("The Persistence of Memory", "painted", "painted", "painter", "a 1931 painting by Salvador Dalí"),
    ("The Scream", "painted", "painted", "painter", "an 1893 painting by Edvard Munch"),
    ("Girl with a Pearl Earring", "painted", "painted", "painter", "an oil painting by Johannes Vermeer"),
    ("The Birth of Venus", "painted", "painted", "painter", "a painting by Sandro Botticelli"),
    ("The Night Watch", "painted", "painted", "painter", "a 1642 painting by Rembrandt"),
    ("The Four Seasons", "composed", "composed", "composer", "a set of violin concertos by Antonio Vivaldi"),
    ("Boléro", "composed", "composed", "composer", "a 1928 orchestral piece by Maurice Ravel"),
    ("Clair de lune", "composed", "composed", "composer", "a piano piece by Claude Debussy"),
    ("Metropolis", "directed", "directed", "director", "a 1927 German silent science-fiction film by Fritz Lang"),
    ("Seven Samurai", "directed", "directed", "director", "a 1954 Japanese film by Akira Kurosawa"),
    ("The Thinker", "sculpted", "sculpted", "sculptor", "a bronze sculpture by Auguste Rodin"),
]

#: (article title, how users write it, summary) — organisations people ask the founding of.
_FOUNDED: list[tuple[str, str, str]] = [
    *[(t.title, _surface(t.title), t.summary) for t in TOPICS if t.kind == "organisation"],
    ("Nobel Prize", "the Nobel Prize", "a set of annual awards established by the will of Alfred Nobel"),
    ("United Nations", "the United Nations", "an intergovernmental organisation founded in 1945"),
    ("Doctors Without Borders", "Doctors Without Borders", "a humanitarian medical organisation founded in 1971"),
    ("International Olympic Committee", "the International Olympic Committee", "the governing body of the "
     "Olympic movement, founded in 1894"),
    ("Greenpeace", "Greenpeace", "an environmental organisation founded in Vancouver in 1971"),
    ("Studio Ghibli", "Studio Ghibli", "a Japanese animation studio founded in 1985"),
    ("Royal Society", "the Royal Society", "a learned society for science founded in London in 1660"),
    ("Salvation Army", "the Salvation Army", "a Protestant church and charity founded in London in 1865"),
]


def _invention(rng: random.Random, lang: str) -> Draw:
    title, surface, verb, summary = rng.choice(_INVENTIONS)
    return Draw({"thing": ci(surface), "did": verb}, [wiki_call(title, summary)])


def _authored(rng: random.Random, lang: str) -> Draw:
    title, did, done, maker, summary = rng.choice(_AUTHORED)
    return Draw({"work": ci(title), "did": did, "done": done, "maker": maker}, [wiki_call(title, summary)])


def _founded(rng: random.Random, lang: str) -> Draw:
    title, surface, summary = rng.choice(_FOUNDED)
    return Draw({"org": ci(surface)}, [wiki_call(title, summary)])


_ANY = wiki_maker(None, True)
_PEOPLE = wiki_maker(("person",), True)

WIKIPEDIA: list[Family] = [
    single("wikipedia", "tell_me_about", _ANY, [
        "Tell me about {topic}.", "What can you tell me about {topic}?", "Give me an overview of {topic}."]),
    single("wikipedia", "who_was", _PEOPLE, [
        "Who was {person}?", "Who is {person}?", "What is {person} famous for?", "Give me a short bio of {person}."]),
    single("wikipedia", "explicit_wiki", _ANY, [
        "Look up {topic} on Wikipedia.", "Search Wikipedia for {topic}.", "wiki {topic}",
        "What does the Wikipedia article on {topic} say?"]),
    single("wikipedia", "history_of", wiki_maker(("event", "organisation", "place"), False), [
        "What's the history of {topic}?", "How did {topic} come about?", "Give me the background on {topic}."]),
    single("wikipedia", "school_report", _ANY, [
        "I'm writing a school report on {topic}. Can you get me the basics?",
        "{ctx} I have a presentation about {topic} tomorrow. Pull up the key facts please.",
        "Need encyclopedia-style notes on {topic} for my essay."]),
    single("wikipedia", "quick_facts", _ANY, ["Quick facts about {topic}?", "{topic}: key facts please",
                                              "few facts on {topic}", "{topic} wiki summary"]),
    single("wikipedia", "where_is", wiki_maker(("place",), False), [
        "Where is {place}?", "What country is {place} in?", "Where exactly is {place} located?"]),
    single("wikipedia", "when_did", wiki_maker(("event",), False), [
        "When did {event} happen?", "What year was {event}?", "When was {event}, and what was it?"]),
    single("wikipedia", "who_made", wiki_maker(("work",), False), [
        "Who created {work}?", "Who made {work} and when?", "What's the story behind {work}?"]),
    single("wikipedia", "formal", _ANY, [
        "Could you provide encyclopedic information about {topic}?",
        "I would like a concise encyclopedia summary of {topic}, please."]),
    single("wikipedia", "curious_long", _ANY, [
        "I was watching a documentary last night and they mentioned {topic}. I realised I know nothing about it. "
        "What's the story?",
        "{friend} keeps bringing up {topic} at dinner and I just nod along. Can you fill me in?",
        "Random thought in the shower: what actually is the deal with {topic}? Look it up?"]),
    single("wikipedia", "about", _wiki_people, [
        "¿Quién fue {topic}?", "Háblame de {topic}", "Busca {topic} en Wikipedia"], lang="es"),
    single("wikipedia", "about", _wiki_people, [
        "Qui était {topic} ?", "Parle-moi de {topic}", "Cherche {topic} sur Wikipédia"], lang="fr"),
    single("wikipedia", "about", _wiki_people, [
        "Wer war {topic}?", "Erzähl mir etwas über {topic}", "Schlag {topic} auf Wikipedia nach"], lang="de"),
    single("wikipedia", "about", _wiki_people, [
        "Quem foi {topic}?", "Fale-me sobre {topic}", "Procura {topic} na Wikipédia"], lang="pt"),
    single("wikipedia", "who_invented", _invention, [
        "Who {did} {thing}?", "Who {did} {thing}, and when?", "Do you know who {did} {thing}? Look it up please.",
        "{thing}: who {did} it?", "Which person is credited with {thing}?"]),
    single("wikipedia", "who_authored", _authored, [
        "Who {did} {work}?", "{work} was {done} by whom?", "Who's the {maker} of {work}?",
        "I always forget who {did} {work}. Can you check?", "who {did} {work} again"]),
    single("wikipedia", "founded_by", _founded, [
        "Who founded {org}?", "When was {org} founded, and by whom?", "How did {org} get started?",
        "What year was {org} set up?"]),
    single("wikipedia", "life_story", _wiki_people, [
        "Walk me through {topic}'s life.", "Where did {topic} grow up, and what made them famous?",
        "Give me a timeline of {topic}'s life and career.", "What were {topic}'s biggest achievements?",
        "Biography of {topic}, the short version."]),
    single("wikipedia", "exam_cram", _ANY, [
        "I'm studying {topic} for an exam. Give me the overview.",
        "Exam tomorrow and one question will be on {topic}. What are the essentials?",
        "Revising {topic} for my history test, can you pull up the main facts?",
        "Cramming for finals: {topic}, explain the basics."]),
    single("wikipedia", "who_authored", _authored, [
        "¿Quién hizo {work}?", "¿Quién es el autor de {work}?", "Busca quién creó {work}"], lang="es"),
    single("wikipedia", "who_authored", _authored, [
        "Qui a créé {work} ?", "C'est qui l'auteur de {work} ?", "Tu peux chercher qui a fait {work} ?"],
        lang="fr"),
    single("wikipedia", "who_invented", _invention, [
        "Wer hat das erfunden oder entdeckt: {thing}?", "Schlag mal nach, wer hinter {thing} steckt",
        "Woher kommt eigentlich {thing}? Wer war das?"], lang="de"),
]

# ------------------------------------------------------------------ web_reader


def reader_call(url: str, title: str) -> Call:
    """A web_reader call; the URL without a trailing slash is accepted too."""
    accept = [url.rstrip("/")] if url.endswith("/") else [url + "/"]
    return Call("web_reader", {"url": url}, accept={"url": accept}, hint={"title": title})


def url_maker(kind: str | None) -> Maker:
    """Maker of a ``{url}`` slot of ``kind`` (news, blog, docs; random when None)."""
    def make(rng: random.Random, lang: str) -> Draw:
        url, title = random_url(rng, kind)
        return Draw({"url": exact(url)}, [reader_call(url, title)])

    return make


_URL = url_maker(None)

WEB_READER: list[Family] = [
    single("web_reader", "summarize", _URL, [
        "Summarize this article: {url}", "Can you summarize {url}?", "Give me a summary of {url}",
        "tl;dr of {url} please"]),
    single("web_reader", "what_does_it_say", _URL, [
        "What does this page say? {url}", "What's on {url}?", "Read {url} and tell me what it's about."]),
    single("web_reader", "bare_url", _URL, ["{url}", "{url} ?", "{url} summary", "thoughts on this? {url}"]),
    single("web_reader", "key_points", _URL, [
        "Pull the key points out of {url}", "What are the main takeaways from {url}?",
        "List the main arguments made in {url}"]),
    single("web_reader", "worth_reading", _URL, [
        "My boss sent me this link: {url}. Is it worth reading?", "{friend} shared {url} in the group chat. What's it "
        "about?", "Someone posted {url} on Slack. Before I click, what's in it?"]),
    single("web_reader", "docs", url_maker("docs"), [
        "According to {url}, how do I get started?", "Read the docs at {url} and explain the main idea.",
        "Can you go through {url} and tell me what it covers?"]),
    single("web_reader", "fetch_imperative", _URL, [
        "Fetch {url}", "Open {url} and read it", "Load the page {url} and give me its text.",
        "Grab the contents of {url}"]),
    single("web_reader", "long_context", _URL, [
        "{ctx} I'm preparing for a meeting tomorrow and this was in the agenda: {url}. Could you read it and give "
        "me the gist?",
        "I don't have time to read this whole thing before class: {url}. What does it say?"]),
    single("web_reader", "formal", _URL, [
        "Please retrieve the content of the following page and summarize it: {url}",
        "Would you be so kind as to read {url} and report its main content?"]),
    single("web_reader", "author_argument", url_maker("blog"), [
        "What does the author argue in {url}?", "Is the post at {url} any good? Give me the main idea.",
        "Read this blog post and tell me if I should bother: {url}"]),
    single("web_reader", "news_article", url_maker("news"), [
        "What happened according to this article? {url}", "Can you read this news story for me: {url}",
        "Give me the facts from {url}, no opinions."]),
    single("web_reader", "article", _URL, [
        "Resume este artículo: {url}", "¿De qué trata {url}?", "Lee {url} y dime lo más importante"], lang="es"),
    single("web_reader", "article", _URL, [
        "Résume cet article : {url}", "De quoi parle {url} ?", "Lis {url} et dis-moi l'essentiel"], lang="fr"),
    single("web_reader", "article", _URL, [
        "Fass diesen Artikel zusammen: {url}", "Worum geht es in {url}?", "Lies {url} und sag mir das Wichtigste"],
        lang="de"),
    single("web_reader", "article", _URL, [
        "Resuma este artigo: {url}", "Sobre o que é {url}?", "Lê {url} e diz-me o mais importante"], lang="pt"),
]
