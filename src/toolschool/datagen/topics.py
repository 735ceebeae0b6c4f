"""Slot pools about the world: search topics, encyclopedic topics, people, events and URLs.

The split between the two lookup tools follows intent:

* ``web_search`` — things that change: prices, scores, news, schedules, opening hours,
  release dates, flight status, local recommendations;
* ``wikipedia`` — stable encyclopedic facts about named people, places, events, works.

People, landmarks, books and countries carry the facts the chained families need
(birth date and place, height, author…). URLs are assembled from realistic site patterns
and headline slugs (:func:`random_url`).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

# ---------------------------------------------------------------- web_search pools
#: (what a user calls it, the keyword a query must contain)
PRICE_ITEMS: list[tuple[str, str]] = [
    ("bitcoin", "bitcoin"), ("ethereum", "ethereum"), ("gold", "gold"), ("silver", "silver"),
    ("Tesla stock", "Tesla"), ("Apple shares", "Apple"), ("Nvidia stock", "Nvidia"),
    ("Microsoft stock", "Microsoft"), ("a PlayStation 5", "PlayStation 5"), ("the iPhone 16 Pro", "iPhone 16"),
    ("a Nintendo Switch 2", "Switch 2"), ("Brent crude", "Brent"), ("a Eurail pass", "Eurail"),
    ("diesel in Germany", "diesel"), ("a Steam Deck", "Steam Deck"), ("the Toyota Corolla", "Corolla"),
    ("a MacBook Air", "MacBook Air"), ("a Tesla Model 3", "Model 3"), ("the S&P 500", "S&P 500"),
    ("a Disneyland ticket", "Disneyland"), ("avocados", "avocado"), ("a Dyson hairdryer", "Dyson"),
]

LEAGUES: dict[str, list[str]] = {
    "football": ["Arsenal", "Chelsea", "Liverpool", "Manchester City", "Real Madrid", "Barcelona",
                 "Bayern Munich", "PSG", "Juventus", "Inter Milan", "Benfica", "Porto", "Ajax",
                 "Borussia Dortmund", "Atlético Madrid", "Tottenham"],
    "basketball": ["Lakers", "Celtics", "Warriors", "Knicks", "Bulls", "Heat", "Nuggets", "Bucks"],
    "american football": ["Chiefs", "Eagles", "49ers", "Cowboys", "Packers", "Bills"],
    "hockey": ["Maple Leafs", "Canadiens", "Rangers", "Oilers", "Bruins"],
}

#: (noun phrase, keyword) — ongoing stories people want news about.
NEWS_TOPICS: list[tuple[str, str]] = [
    ("the Artemis moon mission", "Artemis"), ("the EU AI Act", "AI Act"), ("the Paris metro strike", "strike"),
    ("electric car sales in Europe", "electric car"), ("the housing market in Canada", "housing market"),
    ("the next Fed interest rate decision", "Fed"), ("the James Webb telescope", "James Webb"),
    ("the wildfires in California", "wildfires"), ("the Olympic Games preparations", "Olympic"),
    ("the Mars sample return mission", "Mars"), ("the OpenAI board", "OpenAI"),
    ("the Boeing Starliner", "Starliner"), ("the Suez Canal traffic", "Suez"),
    ("the World Cup qualifiers", "World Cup"), ("the new Zelda game", "Zelda"),
    ("the Taylor Swift tour", "Taylor Swift"), ("the heatwave in Spain", "heatwave"),
    ("the avian flu outbreak", "avian flu"), ("the Eurovision Song Contest", "Eurovision"),
    ("the UN climate summit", "climate summit"), ("the Great Barrier Reef bleaching", "Great Barrier Reef"),
    ("the Rust Foundation", "Rust"), ("the Linux kernel release", "Linux kernel"),
]

#: (noun phrase, query, keyword) — things with dates and times that change.
SCHEDULES: list[tuple[str, str, str]] = [
    ("the date of the next SpaceX launch", "next SpaceX launch date", "SpaceX"),
    ("the date of the Champions League final", "Champions League final date", "Champions League"),
    ("the Monaco Grand Prix schedule", "Monaco Grand Prix schedule", "Monaco"),
    ("the Glastonbury lineup", "Glastonbury lineup", "Glastonbury"),
    ("the date of the next Apple event", "next Apple event date", "Apple"),
    ("the Wimbledon final schedule", "Wimbledon final schedule", "Wimbledon"),
    ("the Tour de France route", "Tour de France route", "Tour de France"),
    ("the Louvre opening hours", "Louvre opening hours", "Louvre"),
    ("the last train from Zurich to Milan", "last train Zurich to Milan", "Zurich"),
    ("the opening hours of the Prado museum", "Prado museum opening hours", "Prado"),
    ("who is playing the Super Bowl halftime show", "Super Bowl halftime show performers", "Super Bowl"),
    ("the date of the Oscars ceremony", "Oscars ceremony date", "Oscars"),
    ("the date of the Berlin Marathon", "Berlin Marathon date", "Berlin Marathon"),
    ("the date of the next full moon", "next full moon date", "full moon"),
    ("the F1 calendar", "F1 calendar", "F1"),
    ("the Coachella dates", "Coachella dates", "Coachella"),
    ("the ferry times from Dover to Calais", "Dover Calais ferry times", "Dover"),
    ("the Nobel Prize announcement dates", "Nobel Prize announcement dates", "Nobel"),
    ("the opening hours of the Sagrada Família", "Sagrada Família opening hours", "Sagrada"),
    ("the ticket prices for the Eiffel Tower", "Eiffel Tower ticket prices", "Eiffel Tower"),
]

#: (noun phrase, query, keyword) — releases and products.
RELEASES: list[tuple[str, str, str]] = [
    ("the release date of GTA 6", "GTA 6 release date", "GTA 6"),
    ("the release date of the next Dune movie", "next Dune movie release date", "Dune"),
    ("reviews of the Pixel 10", "Pixel 10 review", "Pixel 10"),
    ("the release date of the new Stranger Things season", "Stranger Things new season release date",
     "Stranger Things"),
    ("the Python 3.14 release notes", "Python 3.14 release notes", "Python 3.14"),
    ("whether the Switch 2 is in stock anywhere", "Switch 2 in stock", "Switch 2"),
    ("recommendations for the best budget laptop this year", "best budget laptop", "laptop"),
    ("reviews of the top robot vacuums", "best robot vacuum reviews", "robot vacuum"),
    ("the latest Ubuntu version", "latest Ubuntu version", "Ubuntu"),
    ("news about the new Kendrick Lamar album", "Kendrick Lamar new album", "Kendrick Lamar"),
    ("the cast of the next Marvel movie", "next Marvel movie cast", "Marvel"),
    ("the iOS 19 release date", "iOS 19 release date", "iOS 19"),
]

#: (phrase with {city}, query with {city}, keyword)
LOCAL: list[tuple[str, str, str]] = [
    ("the best ramen in {city}", "best ramen {city}", "ramen"),
    ("vegan restaurants in {city}", "vegan restaurants {city}", "vegan"),
    ("things to do in {city} this weekend", "things to do in {city} this weekend", "things to do"),
    ("a pharmacy open late in {city}", "late night pharmacy {city}", "pharmacy"),
    ("concerts in {city} this month", "concerts {city} this month", "concerts"),
    ("the traffic situation on the way into {city}", "{city} traffic", "traffic"),
    ("a good dentist in {city}", "dentist {city}", "dentist"),
    ("coworking spaces in {city}", "coworking {city}", "coworking"),
    ("cheap hotels in {city}", "cheap hotels {city}", "hotels"),
    ("farmers markets in {city}", "farmers market {city}", "market"),
    ("the best bike shop in {city}", "bike shop {city}", "bike shop"),
    ("live jazz in {city} tonight", "live jazz {city} tonight", "jazz"),
]

FLIGHTS: list[str] = ["BA283", "LH400", "AF1234", "UA901", "IB3166", "KL1002", "TP1350", "EK7", "QF1",
                      "DL44", "AA100", "LX318", "SQ322", "NH10"]
COMPANIES: list[str] = ["Amazon", "Ryanair", "Vodafone", "IKEA", "Deutsche Bahn", "Airbnb", "Uber",
                        "Spotify", "Booking.com", "Renfe", "SNCF", "Iberia", "Zara", "Lufthansa"]

# ---------------------------------------------------------------- wikipedia pools


@dataclass(frozen=True)
class Topic:
    """An encyclopedic topic: its article title, a kind and a one-line summary."""

    title: str
    kind: str
    summary: str


TOPICS: list[Topic] = [Topic(*row) for row in [
    ("Machu Picchu", "place", "a 15th-century Inca citadel in the Andes of southern Peru"),
    ("Great Barrier Reef", "place", "the world's largest coral reef system, off the coast of Queensland"),
    ("Sahara", "place", "the largest hot desert in the world, covering much of North Africa"),
    ("Angkor Wat", "place", "a vast temple complex in Cambodia built in the 12th century"),
    ("Galápagos Islands", "place", "a volcanic archipelago in the Pacific, part of Ecuador"),
    ("Petra", "place", "an ancient city in Jordan carved into rose-coloured sandstone cliffs"),
    ("Lake Baikal", "place", "the deepest and oldest freshwater lake on Earth, in Siberia"),
    ("Alhambra", "place", "a palace and fortress complex in Granada, Spain"),
    ("Chernobyl disaster", "event", "a 1986 nuclear accident at a power plant in Soviet Ukraine"),
    ("French Revolution", "event", "a period of political upheaval in France from 1789 to 1799"),
    ("Apollo 11", "event", "the 1969 spaceflight that first landed humans on the Moon"),
    ("Fall of the Berlin Wall", "event", "the opening of the Berlin border crossings on 9 November 1989"),
    ("Black Death", "event", "a bubonic plague pandemic in Europe and Asia from 1346 to 1353"),
    ("Industrial Revolution", "event", "the shift to mechanised manufacturing from about 1760 to 1840"),
    ("Meiji Restoration", "event", "the 1868 return of imperial rule in Japan and start of modernisation"),
    ("Treaty of Tordesillas", "event", "a 1494 treaty dividing newly found lands between Portugal and Spain"),
    ("Carnation Revolution", "event", "the 1974 military coup in Lisbon that ended Portugal's dictatorship"),
    ("Don Quixote", "work", "a novel by Miguel de Cervantes published in two parts in 1605 and 1615"),
    ("The Starry Night", "work", "an 1889 oil painting by Vincent van Gogh"),
    ("Guernica", "work", "a 1937 painting by Pablo Picasso about the bombing of a Basque town"),
    ("One Hundred Years of Solitude", "work", "a 1967 novel by Gabriel García Márquez"),
    ("The Magic Flute", "work", "an opera in two acts by Wolfgang Amadeus Mozart, premiered in 1791"),
    ("Spirited Away", "work", "a 2001 animated film written and directed by Hayao Miyazaki"),
    ("Red Cross", "organisation", "a humanitarian movement founded in 1863 in Geneva"),
    ("European Union", "organisation", "a political and economic union of 27 member states in Europe"),
    ("CERN", "organisation", "the European Organization for Nuclear Research, near Geneva"),
    ("Bauhaus", "organisation", "an influential German art and design school founded in 1919"),
    ("Byzantine Empire", "place", "the eastern continuation of the Roman Empire, centred on Constantinople"),
    ("Mansa Musa", "person", "a 14th-century ruler of the Mali Empire famed for his wealth"),
    ("Hypatia", "person", "a Greek mathematician and philosopher in Alexandria, Egypt"),
    ("Genghis Khan", "person", "the founder and first Great Khan of the Mongol Empire"),
    ("Cleopatra", "person", "the last active ruler of the Ptolemaic Kingdom of Egypt"),
    ("Simón Bolívar", "person", "a Venezuelan leader who led several South American countries to independence"),
    ("Rosetta Stone", "work", "a stele from 196 BC whose inscriptions helped decipher hieroglyphs"),
    ("Voyager 1", "event", "a NASA space probe launched in 1977, now in interstellar space"),
    ("Hanseatic League", "organisation", "a medieval commercial league of merchant guilds and towns"),
]]


@dataclass(frozen=True)
class Person:
    """A well-known person with facts the chained families use."""

    name: str
    born: str  # ISO date
    birthplace: str  # a city the weather tool can look up
    summary: str


PEOPLE: list[Person] = [Person(*row) for row in [
    ("Marie Curie", "1867-11-07", "Warsaw", "a physicist and chemist who pioneered research on radioactivity"),
    ("Albert Einstein", "1879-03-14", "Ulm", "a theoretical physicist who developed the theory of relativity"),
    ("Frida Kahlo", "1907-07-06", "Mexico City", "a Mexican painter known for her self-portraits"),
    ("Alan Turing", "1912-06-23", "London", "a mathematician and a founder of theoretical computer science"),
    ("Ada Lovelace", "1815-12-10", "London", "a mathematician known for her notes on Babbage's Analytical Engine"),
    ("Wolfgang Amadeus Mozart", "1756-01-27", "Salzburg", "a prolific composer of the Classical period"),
    ("Gabriel García Márquez", "1927-03-06", "Aracataca", "a Colombian novelist and Nobel laureate"),
    ("Pablo Picasso", "1881-10-25", "Málaga", "a Spanish painter and co-founder of Cubism"),
    ("Fernando Pessoa", "1888-06-13", "Lisbon", "a Portuguese poet who wrote under many heteronyms"),
    ("Simone de Beauvoir", "1908-01-09", "Paris", "a French philosopher and author of The Second Sex"),
    ("Nikola Tesla", "1856-07-10", "Smiljan", "an inventor known for alternating-current electrical systems"),
    ("Charles Darwin", "1809-02-12", "Shrewsbury", "a naturalist known for the theory of evolution by natural selection"),
    ("Jane Austen", "1775-12-16", "Steventon", "an English novelist, author of Pride and Prejudice"),
    ("Rosalind Franklin", "1920-07-25", "London", "a chemist whose X-ray images revealed the structure of DNA"),
    ("Clara Schumann", "1819-09-13", "Leipzig", "a German pianist and composer of the Romantic era"),
    ("Amelia Earhart", "1897-07-24", "Atchison", "an aviator, the first woman to fly solo across the Atlantic"),
    ("Martin Luther King Jr.", "1929-01-15", "Atlanta", "a leader of the American civil rights movement"),
    ("Mahatma Gandhi", "1869-10-02", "Porbandar", "the leader of India's non-violent independence movement"),
    ("Hayao Miyazaki", "1941-01-05", "Tokyo", "a Japanese animator and co-founder of Studio Ghibli"),
    ("Astrid Lindgren", "1907-11-14", "Vimmerby", "a Swedish author, creator of Pippi Longstocking"),
    ("Jorge Luis Borges", "1899-08-24", "Buenos Aires", "an Argentine writer of short stories and essays"),
    ("Ayrton Senna", "1960-03-21", "São Paulo", "a Brazilian racing driver and three-time F1 champion"),
    ("Gustave Eiffel", "1832-12-15", "Dijon", "a French engineer whose company built the Eiffel Tower"),
    ("Claude Monet", "1840-11-14", "Paris", "a French painter and founder of Impressionism"),
    ("Vincent van Gogh", "1853-03-30", "Zundert", "a Dutch Post-Impressionist painter"),
    ("Agatha Christie", "1890-09-15", "Torquay", "an English writer of detective novels"),
    ("Katherine Johnson", "1918-08-26", "White Sulphur Springs", "a NASA mathematician who computed orbital trajectories"),
    ("Chinua Achebe", "1930-11-16", "Ogidi", "a Nigerian novelist, author of Things Fall Apart"),
]]

#: (landmark, height or length in metres, what the number measures)
LANDMARKS: list[tuple[str, int, str]] = [
    ("Eiffel Tower", 330, "tall"), ("Statue of Liberty", 93, "tall"), ("Burj Khalifa", 828, "tall"),
    ("Tokyo Skytree", 634, "tall"), ("CN Tower", 553, "tall"), ("Empire State Building", 443, "tall"),
    ("Mount Everest", 8849, "high"), ("Mont Blanc", 4806, "high"), ("Kilimanjaro", 5895, "high"),
    ("Leaning Tower of Pisa", 56, "tall"), ("Golden Gate Bridge", 2737, "long"),
    ("Sydney Harbour Bridge", 1149, "long"), ("Big Ben", 96, "tall"), ("Christ the Redeemer", 30, "tall"),
    ("Sagrada Família", 172, "tall"), ("Matterhorn", 4478, "high"), ("Space Needle", 184, "tall"),
    ("Petronas Towers", 452, "tall"),
]

#: (book, author)
BOOKS: list[tuple[str, str]] = [
    ("Don Quixote", "Miguel de Cervantes"), ("One Hundred Years of Solitude", "Gabriel García Márquez"),
    ("Pride and Prejudice", "Jane Austen"), ("The Little Prince", "Antoine de Saint-Exupéry"),
    ("Frankenstein", "Mary Shelley"), ("The Metamorphosis", "Franz Kafka"), ("Beloved", "Toni Morrison"),
    ("Things Fall Apart", "Chinua Achebe"), ("The Name of the Rose", "Umberto Eco"),
    ("Blindness", "José Saramago"), ("Norwegian Wood", "Haruki Murakami"),
    ("Crime and Punishment", "Fyodor Dostoevsky"), ("The Alchemist", "Paulo Coelho"),
    ("Les Misérables", "Victor Hugo"), ("Mrs Dalloway", "Virginia Woolf"),
    ("The Master and Margarita", "Mikhail Bulgakov"), ("Pedro Páramo", "Juan Rulfo"),
]

#: (event, host city or "" when it moves around, usual month) — the exact date comes from
#: the simulated search result, inside the usual month.
EVENTS: list[tuple[str, str, int]] = [
    ("the Berlin Marathon", "Berlin", 9), ("Oktoberfest", "Munich", 9), ("the Tokyo Marathon", "Tokyo", 3),
    ("the Cannes Film Festival", "Cannes", 5), ("the Rio Carnival", "Rio de Janeiro", 2),
    ("the Monaco Grand Prix", "Monaco", 5), ("Web Summit", "Lisbon", 11), ("Comic-Con", "San Diego", 7),
    ("the Venice Biennale", "Venice", 4), ("the Chelsea Flower Show", "London", 5),
    ("the Edinburgh Fringe", "Edinburgh", 8), ("La Tomatina", "Buñol", 8),
    ("the Sapporo Snow Festival", "Sapporo", 2), ("Sziget Festival", "Budapest", 8),
    ("the Boston Marathon", "Boston", 4), ("Primavera Sound", "Barcelona", 6),
    ("the Montreux Jazz Festival", "Montreux", 7), ("Gamescom", "Cologne", 8),
    ("the Salone del Mobile", "Milan", 4), ("the Champions League final", "", 5),
    ("the next Apple keynote", "", 9), ("Eurovision", "", 5), ("the Ryder Cup", "", 9),
    ("the Women's World Cup final", "", 7), ("the Chicago Marathon", "Chicago", 10),
    ("Dia de los Muertos celebrations", "Mexico City", 11), ("the Paris Air Show", "Paris", 6),
]

# ---------------------------------------------------------------- URLs
HEADLINES: list[str] = [
    "City council approves new bike lanes", "Scientists map the deep ocean floor",
    "How to sleep better in hot weather", "Why remote work is changing city centres",
    "The hidden cost of cheap flights", "A beginner's guide to sourdough",
    "Electric buses arrive in more European cities", "What we know about the new tax rules",
    "Inside the race to build better batteries", "Ten tips for a faster laptop",
    "Rare comet visible this week", "Local bakery wins national prize",
    "Study links walking to better memory", "The return of the night train",
    "Understanding Python decorators", "Rust vs Go for backend services",
    "How we cut our cloud bill in half", "Lessons from a failed startup",
    "Visiting Kyoto on a budget", "The science of coffee extraction",
    "Heatwave breaks temperature records", "Central bank holds interest rates",
    "New species of frog discovered in Ecuador", "Five myths about saving money",
    "Why your houseplants keep dying", "Marathon training for beginners",
    "The best hiking trails near Vancouver", "Why sourdough starters fail",
    "A tiny house built from shipping containers", "What the new EU charger rule means for you",
    "How bees navigate", "Debugging memory leaks in Node", "The quiet comeback of vinyl",
    "Migrating from Postgres 15 to 17", "Fermentation for the curious cook",
]
_NEWS_SITES = [
    "https://www.bbc.com/news/{section}-{num8}", "https://www.theguardian.com/{section}/{y}/{mon}/{dd}/{slug}",
    "https://www.reuters.com/{section}/{slug}-{y}-{mm}-{dd}/", "https://apnews.com/article/{slug}-{hex}",
    "https://www.nytimes.com/{y}/{mm}/{dd}/{section}/{slug}.html", "https://elpais.com/{section}/{y}-{mm}-{dd}/{slug}.html",
    "https://www.lemonde.fr/{section}/article/{y}/{mm}/{dd}/{slug}_{num7}_3244.html",
    "https://www.spiegel.de/{section}/{slug}-a-{hex}", "https://www.npr.org/{y}/{mm}/{dd}/{num8}/{slug}",
]
_BLOG_SITES = [
    "https://{author}.substack.com/p/{slug}", "https://medium.com/@{author}/{slug}-{hex}",
    "https://blog.{company}.com/{slug}", "https://{author}.github.io/posts/{slug}/",
    "https://www.seriouseats.com/{slug}", "https://dev.to/{author}/{slug}-{hex4}",
    "https://www.theverge.com/{y}/{mm}/{dd}/{num8}/{slug}",
]
_DOC_URLS = [
    ("https://docs.python.org/3/library/asyncio.html", "asyncio — Asynchronous I/O"),
    ("https://docs.python.org/3/library/pathlib.html", "pathlib — Object-oriented filesystem paths"),
    ("https://docs.python.org/3/tutorial/classes.html", "Python tutorial: Classes"),
    ("https://developer.mozilla.org/en-US/docs/Web/CSS/flex", "flex - CSS | MDN"),
    ("https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/Promise", "Promise - JavaScript | MDN"),
    ("https://kubernetes.io/docs/concepts/workloads/pods/", "Pods | Kubernetes"),
    ("https://docs.github.com/en/actions/using-workflows", "Using workflows - GitHub Docs"),
    ("https://www.postgresql.org/docs/current/indexes.html", "PostgreSQL: Indexes"),
    ("https://doc.rust-lang.org/book/ch04-01-what-is-ownership.html", "What is Ownership? - The Rust Book"),
    ("https://git-scm.com/docs/git-rebase", "Git - git-rebase Documentation"),
    ("https://github.com/psf/requests", "psf/requests: A simple, yet elegant, HTTP library"),
    ("https://github.com/pallets/flask", "pallets/flask: The Python micro framework"),
    ("https://en.wikipedia.org/wiki/Sourdough", "Sourdough - Wikipedia"),
    ("https://www.gov.uk/browse/driving", "Driving and transport - GOV.UK"),
    ("https://www.who.int/news-room/fact-sheets/detail/malaria", "Malaria - World Health Organization"),
]
_SECTIONS = ["world", "science", "technology", "business", "travel", "environment", "culture", "sport", "food"]
_AUTHORS = ["annaliu", "markdev", "sofia-reads", "tomcodes", "julia-m", "theoverthinker", "rkumar", "lena-writes"]
_COMPANIES = ["cloudflare", "stripe", "dropbox", "mozilla", "figma", "duolingo"]
_MONTH_ABBR = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def slugify(text: str) -> str:
    """``"Rust vs Go!"`` → ``"rust-vs-go"``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def random_url(rng: random.Random, kind: str | None = None, title: str | None = None) -> tuple[str, str]:
    """A realistic URL and the title of the page it points to.

    Args:
        kind: ``"news"``, ``"blog"`` or ``"docs"``; random when None.
        title: the page title (news and blog only); a random headline when None.

    Returns:
        ``(url, title)``.
    """
    kind = kind or rng.choice(["news", "news", "blog", "docs"])
    if kind == "docs":
        return rng.choice(_DOC_URLS)
    title = title or rng.choice(HEADLINES)
    pattern = rng.choice(_NEWS_SITES if kind == "news" else _BLOG_SITES)
    month = rng.randint(1, 12)
    fields = {
        "section": rng.choice(_SECTIONS), "slug": slugify(title), "y": rng.choice([2024, 2025, 2026]),
        "mm": f"{month:02d}", "mon": _MONTH_ABBR[month - 1], "dd": f"{rng.randint(1, 28):02d}",
        "num8": rng.randint(10_000_000, 99_999_999), "num7": rng.randint(1_000_000, 9_999_999),
        "hex": f"{rng.getrandbits(40):010x}", "hex4": f"{rng.getrandbits(16):04x}",
        "author": rng.choice(_AUTHORS), "company": rng.choice(_COMPANIES),
    }
    return pattern.format(**fields), title
