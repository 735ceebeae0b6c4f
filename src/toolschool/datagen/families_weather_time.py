"""Single-call families for ``weather`` and ``datetime``.

Weather locations are the place as the user wrote it (an exonym such as "Londres" in a
Spanish request stays "Londres"; the English name is also accepted). Datetime calls use
a deterministic normalisation of the text: a city → its IANA timezone, a spelled date →
ISO 8601, "3 weeks" → 21 days, "Christmas 2026" → 2026-12-25.
"""

from __future__ import annotations

import datetime as dt
import random

from toolschool.datagen.dates import HOLIDAYS, random_date, spell_date
from toolschool.datagen.family import Call, Draw, Family, Maker, ci, exact, single
from toolschool.datagen.slots import CITIES, PLACES, City

# ------------------------------------------------------------------ weather


def weather_call(surface: str, city: City | None = None) -> Call:
    """A weather call for a location as written, accepting the English name too."""
    accept = [surface]
    if city is not None:
        accept += [city.name, f"{city.name}, {city.country}", f"{surface}, {city.country}"]
    if surface.lower().startswith("the "):
        accept.append(surface[4:])
    return Call("weather", {"location": surface}, accept={"location": accept}, hint={"place": surface})


def pick_city(rng: random.Random, lang: str) -> City:
    """A city whose local name reads well in ``lang`` (no article-led names in French)."""
    while True:
        city = rng.choice(CITIES)
        name = city.local_name(lang)
        if not (lang == "fr" and name.split(" ")[0] in ("Le", "La")):
            return city


def draw_city(rng: random.Random, lang: str) -> Draw:
    """Maker: a ``{city}`` and the weather call for it."""
    city = pick_city(rng, lang)
    surface = city.local_name(lang)
    return Draw({"city": ci(surface)}, [weather_call(surface, city)])


def _city_country(rng: random.Random, lang: str) -> Draw:
    city = pick_city(rng, lang)
    surface = f"{city.name}, {city.country}"
    call = weather_call(surface, city)
    return Draw({"city_country": ci(surface)}, [call])


def _place(rng: random.Random, lang: str) -> Draw:
    place = rng.choice(PLACES)
    location = place[4:] if place.startswith("the ") else place
    call = Call("weather", {"location": location}, accept={"location": [place]}, hint={"place": location})
    return Draw({"place": ci(place)}, [call])


WEATHER: list[Family] = [
    single("weather", "direct_question", draw_city, [
        "What's the weather like in {city}?", "What is the weather in {city} right now?",
        "How's the weather in {city} today?", "what's it like outside in {city} at the moment?"]),
    single("weather", "imperative", draw_city, [
        "Check the weather in {city}.", "Get me the weather for {city}.", "Show me the forecast for {city}.",
        "Pull up the current weather in {city}, please."]),
    single("weather", "terse", draw_city, ["weather {city}", "{city} weather", "forecast {city} {when}",
                                       "{city} weather now?", "weather in {city} pls"]),
    single("weather", "umbrella_indirect", draw_city, [
        "I'm packing for {city} {when}, should I bring an umbrella?", "Do I need an umbrella in {city} {when}?",
        "Is it going to rain in {city} {when}?", "Will I get soaked walking around {city} {when}?"]),
    single("weather", "clothing_indirect", draw_city, [
        "Should I wear a jacket in {city} today?", "What should I wear in {city} {when}? Is it cold there?",
        "Is it shorts weather in {city}?", "Do I need a warm coat for {city} {when}?"]),
    single("weather", "activity_plan", draw_city, [
        "We're planning {activity} in {city} {when}. Is the weather going to cooperate?",
        "Is it a good day for {activity} in {city}?",
        "Thinking about {activity} in {city} {when}. Any chance of storms?"]),
    single("weather", "temperature", draw_city, [
        "How hot is it in {city} right now?", "What's the temperature in {city}?",
        "how cold is it in {city} today", "Is it freezing in {city} this morning?"]),
    single("weather", "travel_long_context", draw_city, [
        "{ctx} We land in {city} {when} and {friend} keeps asking me whether it'll be sunny. Can you check?",
        "So {friend} and I finally booked the trip: we arrive in {city} {when}. Before I pack, what's the "
        "weather looking like there?",
        "Long story short, I'm moving to {city} for work next month and I have no idea what the weather is "
        "like there right now. What is it like?"]),
    single("weather", "polite_formal", draw_city, [
        "Could you please tell me the current weather conditions in {city}?",
        "I would be grateful if you could provide the weather forecast for {city}.",
        "Would you kindly check the weather in {city} for me?"]),
    single("weather", "outdoor_place", _place, [
        "What's the weather doing at {place}?", "Heading to {place} {when}. What are conditions like?",
        "Weather forecast for {place}?", "Is it snowing in {place} right now?"]),
    single("weather", "city_with_country", _city_country, [
        "What's the weather in {city_country}?", "Forecast for {city_country} please",
        "Any rain expected in {city_country} {when}?"]),
    single("weather", "wind_snow_humidity", draw_city, [
        "Is it windy in {city} today?", "Is there snow in {city} right now?", "Is it humid in {city} at the moment?",
        "How strong is the wind in {city}?"]),
    single("weather", "casual_slang", draw_city, [
        "yo is it nice out in {city}", "ugh is it still raining in {city}??", "hows {city} looking weather-wise",
        "any sun in {city} today or nah"]),
    single("weather", "sunny_question", draw_city, [
        "Will it be sunny in {city} {when}?", "Are we getting sunshine in {city} {when}?",
        "Is the sun out in {city}?"]),
    single("weather", "question", draw_city, [
        "¿Qué tiempo hace en {city}?", "¿Va a llover en {city} {when}?", "Dime el pronóstico del tiempo para {city}",
        "¿Hace frío en {city} hoy?"], lang="es"),
    single("weather", "question", draw_city, [
        "Quel temps fait-il à {city} ?", "Est-ce qu'il va pleuvoir à {city} {when} ?",
        "Donne-moi la météo pour {city}", "Il fait froid à {city} en ce moment ?"], lang="fr"),
    single("weather", "question", draw_city, [
        "Wie ist das Wetter in {city}?", "Regnet es {when} in {city}?", "Zeig mir die Wettervorhersage für {city}",
        "Brauche ich {when} in {city} einen Regenschirm?"], lang="de"),
    single("weather", "question", draw_city, [
        "Como está o tempo em {city}?", "Vai chover em {city} {when}?", "Qual é a previsão do tempo para {city}?",
        "Está frio em {city} hoje?"], lang="pt"),
    # a second family per language, so that holding one out for test still leaves the
    # language in training (Spanish "tiempo" is both weather and time: without a Spanish
    # weather family in train, a 135M model sent "¿Qué tiempo hace…?" to datetime)
    single("weather", "plans", draw_city, [
        "¿Necesito paraguas en {city} {when}?", "¿Hace sol en {city} ahora?",
        "Voy a {city} {when}, ¿qué clima habrá?", "¿Cuántos grados hace en {city}?"], lang="es"),
    single("weather", "plans", draw_city, [
        "Faut-il un parapluie à {city} {when} ?", "Il fait beau à {city} aujourd'hui ?",
        "Je pars à {city} {when}, quelle météo là-bas ?", "Combien de degrés à {city} ?"], lang="fr"),
    single("weather", "plans", draw_city, [
        "Scheint gerade die Sonne in {city}?", "Ich fahre {when} nach {city}, wie wird das Wetter?",
        "Wie viel Grad hat es in {city}?", "Ist es in {city} gerade windig?"], lang="de"),
    single("weather", "plans", draw_city, [
        "Preciso de guarda-chuva em {city} {when}?", "Está fazendo sol em {city} agora?",
        "Vou para {city} {when}, como vai estar o clima?", "Quantos graus faz em {city}?"], lang="pt"),
]

# ------------------------------------------------------------------ datetime


def _dt_call(arguments: dict, hint: dict | None = None) -> Call:
    return Call("datetime", arguments, hint=hint or {})


def draw_city_time(rng: random.Random, lang: str) -> Draw:
    """Maker: a ``{city}`` and the datetime ``now`` call in its timezone."""
    city = pick_city(rng, lang)
    surface = city.local_name(lang)
    return Draw({"city": ci(surface)}, [_dt_call({"action": "now", "timezone": city.tz}, {"place": surface})])


def _now_plain(rng: random.Random, lang: str) -> Draw:
    return Draw({}, [_dt_call({"action": "now"})])


def _date_slot(rng: random.Random, lang: str, day: dt.date) -> Draw:
    return Draw({"date": exact(spell_date(day, lang, rng))}, [])


def _weekday(first: int, last: int) -> Maker:
    def make(rng: random.Random, lang: str) -> Draw:
        day = random_date(rng, first, last)
        draw = _date_slot(rng, lang, day)
        draw.calls = [_dt_call({"action": "weekday", "date": day.isoformat()})]
        return draw

    return make


def _holiday(action: str) -> Maker:
    def make(rng: random.Random, lang: str) -> Draw:
        name = rng.choice(sorted(HOLIDAYS))
        year = rng.randint(2025, 2030)
        month, day = HOLIDAYS[name]
        call = _dt_call({"action": action, "date": dt.date(year, month, day).isoformat()})
        return Draw({"holiday": ci(name), "year": exact(str(year))}, [call])

    return make


def _add_days(with_date: bool, weeks: bool = False) -> Maker:
    def make(rng: random.Random, lang: str) -> Draw:
        count = rng.randint(2, 12) if weeks else rng.choice([rng.randint(2, 60), rng.randint(60, 400)])
        days = count * 7 if weeks else count
        args: dict = {"action": "add_days"}
        slots: dict = {"n": exact(str(count)), "w": exact(str(count))}
        if with_date:
            day = random_date(rng, 2024, 2027)
            args["date"] = day.isoformat()
            slots["date"] = exact(spell_date(day, lang, rng))
        args["days"] = days
        return Draw(slots, [_dt_call(args)])

    return make


def _diff(first: int, last: int) -> Maker:
    def make(rng: random.Random, lang: str) -> Draw:
        day = random_date(rng, first, last)
        draw = _date_slot(rng, lang, day)
        draw.calls = [_dt_call({"action": "diff", "date": day.isoformat()})]
        return draw

    return make


DATETIME: list[Family] = [
    single("datetime", "now_in_city", draw_city_time, [
        "What time is it in {city}?", "What's the current time in {city}?", "time in {city} rn?",
        "Is it late in {city} right now?"]),
    single("datetime", "now_call_someone", draw_city_time, [
        "I need to call {friend} in {city}. Is it too early there?",
        "Would it be rude to phone my colleague in {city} right now? What time is it there?",
        "My client is in {city}. Are they still at work at this hour?"]),
    single("datetime", "now_plain", _now_plain, [
        "What time is it?", "What's today's date?", "What day is it today?", "what's the date today",
        "Could you tell me the current date and time?", "{ctx} Anyway, what time is it now?",
        "sorry, what's the date today? I've completely lost track", "hey what time is it"]),
    # a second no-timezone family: with ``now_plain`` held out, every ``now`` call in
    # training had a timezone and the model invented one ("Europe/Paris") for plain requests
    single("datetime", "now_local", _now_plain, [
        "Is it still morning? What's the time?", "clock check: what time is it right now",
        "I need today's date for a form I'm filling in.", "What year, month and day is it today?",
        "{ctx} Quick question, what's the current time?", "Do you know what day of the month it is?",
        "tell me the time please", "Which date is it today? I keep forgetting."]),
    single("datetime", "weekday_direct", _weekday(2024, 2028), [
        "What day of the week is {date}?", "Which weekday falls on {date}?", "{date}: what day is that?",
        "what day is {date}"]),
    single("datetime", "weekday_birthday", _weekday(1950, 2012), [
        "I was born on {date}. What day of the week was that?",
        "My daughter was born {date}, was it a weekend?", "Was {date} a Monday?",
        "Grandpa's birthday is {date}. Which weekday was he born on?"]),
    single("datetime", "weekday_holiday", _holiday("weekday"), [
        "What day of the week is {holiday} {year}?", "Does {holiday} {year} fall on a weekend?",
        "On what weekday is {holiday} in {year}?"]),
    single("datetime", "weekday_planning", _weekday(2025, 2027), [
        "{ctx} We're thinking of having the party on {date} but half the guests work weekends. What weekday "
        "is it?",
        "The concert tickets say {date}. Is that a Friday or a Saturday?",
        "Our flight is on {date}; will that be a weekday? I need to ask for time off."]),
    single("datetime", "add_days_from_today", _add_days(False), [
        "What's the date {n} days from today?", "What date will it be in {n} days?",
        "If I start today, what's the date after {n} days?", "count {n} days forward from today, what date is that?"]),
    single("datetime", "add_days_from_date", _add_days(True), [
        "What date is {n} days after {date}?", "Add {n} days to {date}.",
        "My visa starts on {date} and lasts {n} days. When does it end?",
        "The warranty began {date} and runs for {n} days. When does it expire?"]),
    single("datetime", "add_weeks", _add_days(True, weeks=True), [
        "What's the date {w} weeks after {date}?", "I'm due for a checkup {w} weeks after {date}. Which date is that?",
        "Starting {date}, what date is it {w} weeks later?"]),
    single("datetime", "diff_until_date", _diff(2026, 2029), [
        "How many days until {date}?", "How many days are left until {date}?", "Days between today and {date}?",
        "how long until {date}, in days"]),
    single("datetime", "diff_until_holiday", _holiday("diff"), [
        "How many days until {holiday} {year}?", "How long is it until {holiday} {year}?",
        "Countdown to {holiday} {year}: how many days?"]),
    single("datetime", "diff_since", _diff(2012, 2025), [
        "How many days has it been since {date}?", "How many days ago was {date}?",
        "We started dating on {date}. How many days is that?"]),
    single("datetime", "now_in_city", draw_city_time, [
        "¿Qué hora es en {city}?", "¿Qué hora es ahora mismo en {city}?", "Dime la hora actual en {city}"],
        lang="es"),
    single("datetime", "weekday", _weekday(2024, 2028), [
        "¿Qué día de la semana es el {date}?", "¿El {date} cae en fin de semana?", "¿Qué día fue el {date}?"],
        lang="es"),
    single("datetime", "weekday", _weekday(2024, 2028), [
        "Quel jour de la semaine tombe le {date} ?", "Le {date}, c'est quel jour ?", "C'était quel jour, le {date} ?"],
        lang="fr"),
    single("datetime", "now_in_city", draw_city_time, [
        "Quelle heure est-il à {city} ?", "Il est quelle heure à {city} maintenant ?"], lang="fr"),
    single("datetime", "diff_until_date", _diff(2026, 2029), [
        "Wie viele Tage sind es noch bis zum {date}?", "Wie lange dauert es noch bis {date}?",
        "Wie viele Tage bis zum {date}?"], lang="de"),
    single("datetime", "now_in_city", draw_city_time, [
        "Wie spät ist es in {city}?", "Wie viel Uhr ist es gerade in {city}?"], lang="de"),
    single("datetime", "add_days_from_today", _add_days(False), [
        "Que dia será daqui a {n} dias?", "Qual é a data daqui a {n} dias?",
        "Se eu começar hoje, que data será depois de {n} dias?"], lang="pt"),
    single("datetime", "now_in_city", draw_city_time, [
        "Que horas são em {city}?", "Que horas são agora em {city}?"], lang="pt"),
]
