"""No-tool traps and no-tool requests in other languages.

A trap uses a tool's words without needing the tool: "what's the difference between
weather and climate", "how do I convert km to miles in Excel", "what is a dictionary in
Python", "write a poem about the rain in Paris", math the user already solved, or a
weather report the user pasted in themselves. Every trap answers in plain text.
"""

from __future__ import annotations

import random

from toolschool.datagen.families_chat import chat, qa
from toolschool.datagen.family import Draw, Family
from toolschool.datagen.slots import CITIES, LANGUAGES

_CITY_NAMES = [c.name for c in CITIES]
_LANGUAGE_NAMES = [v["en"] for k, v in LANGUAGES.items() if k != "en"]


def _solved_math(rng: random.Random, lang: str) -> Draw:
    kind = rng.choice(["tip", "times", "sum"])
    if kind == "tip":
        p, n = rng.choice([10, 15, 20, 25]), rng.choice([20, 40, 60, 80, 120])
        r = p * n // 100
        q = rng.choice([f"I worked out that {p}% of {n} is {r}, so that's my tip. Thanks anyway!",
                        f"Already did the math: {p}% of ${n} is ${r}. Now, what's a nice way to thank the waiter?"])
        a = rng.choice(["Sounds right! Enjoy your meal.", "A simple \"Thank you, everything was delicious!\" "
                                                          "with a smile goes a long way."])
        if "waiter" not in q:
            a = "That's right, nicely done! Enjoy your meal."
        return Draw({"q": q}, answer=a)
    a_, b_ = rng.randint(2, 12), rng.randint(2, 12)
    if kind == "times":
        q = rng.choice([f"{a_} times {b_} is {a_ * b_}, right? I'm helping my son with his times tables and I "
                        f"need a fun way to practise.",
                        f"We just learned that {a_} x {b_} = {a_ * b_}. How can I remember times tables more easily?"])
        return Draw({"q": q}, answer="Yes, that's right! Try turning the tables into a game: flashcards with a "
                                     "timer, or spotting patterns like the 9s trick.")
    q = f"My daughter says {a_} plus {b_} equals {a_ + b_}. She's right, I checked. How do I praise her without " \
        f"making it a big deal?"
    return Draw({"q": q}, answer="Praise the effort rather than the answer: something like \"I love how carefully "
                                 "you worked that out!\" keeps her motivated.")


def _reported_weather(rng: random.Random, lang: str) -> Draw:
    city, temp = rng.choice(_CITY_NAMES), rng.randint(12, 24)
    pairs = [
        (f"Here's the forecast I got: {city}, {temp}°C and cloudy. Should I bring a jacket?",
         f"At {temp}°C and cloudy, a light jacket or a sweater is a good idea, especially for the evening."),
        (f"It's pouring here in {city}, ugh. Any tips to dry my shoes quickly?",
         "Stuff them with newspaper, swap it out every couple of hours, and keep them near (not on) a heater."),
        (f"It's 35 degrees in {city} today and I have no AC. How can I keep cool?",
         "Close the blinds during the day, open windows at night, use a fan with a bowl of ice, and drink plenty "
         "of water."),
        (f"It's snowing in {city} and I have to drive. Any tips for driving on snow?",
         "Drive slowly, leave lots of distance, brake and steer gently, and make sure your tyres are suitable."),
        (f"The app says it will rain in {city} all weekend. What can I do indoors with kids?",
         "Try a blanket fort, a baking session, a board game tournament or a living-room treasure hunt."),
    ]
    q, a = rng.choice(pairs)
    return Draw({"q": q}, answer=a)


TRAPS: list[Family] = [
    chat("trap", "weather_vs_climate", [
        "What's the difference between weather and climate?", "weather vs climate, same thing?",
        "Explain weather versus climate like I'm ten.", "Is climate just long-term weather?"],
        ["Weather is what the atmosphere is doing right now or over a few days; climate is the average of that "
         "weather over decades.", "Not quite the same: weather changes hour to hour, while climate describes the "
                                  "long-term pattern, usually averaged over 30 years."]),
    chat("trap", "weather_poem", [
        "Write a poem about the rain in {city}.", "Write a haiku about a sunny afternoon in {city}.",
        "Give me a short poem about snow falling on {city}.", "Compose a few lines about the fog in {city}."],
        ["Here's a short one: \"Over {city} the sky turns slow, / streets shine silver, lamps glow low, / and "
         "the city hums beneath the weather.\"", "\"{city} under a changing sky, / umbrellas bloom and drift on "
                                                 "by, / every season, its own reply.\""],
        {"city": _CITY_NAMES}),
    qa("trap", "weather_science", [
        ("Why do clouds float if water is heavy?",
         "Cloud droplets are tiny and spread out, so rising air currents easily keep them up until they "
         "grow into raindrops."),
        ("How do rainbows form?",
         "Sunlight enters raindrops, bends and reflects inside them, and splits into colours, so you see "
         "a rainbow with the sun behind you."),
        ("What is humidity, exactly?",
         "It's how much water vapour is in the air; relative humidity compares that to the most the air "
         "could hold at that temperature."),
        ("Why is it colder in winter if the Earth is closer to the sun?",
         "Seasons come from the tilt of Earth's axis, which changes how directly sunlight hits each "
         "hemisphere, not from the distance."),
        ("Why is the sky blue?", "Air molecules scatter short blue wavelengths of sunlight much more than red "
                                 "ones, so blue light reaches our eyes from every direction."),
        ("What causes thunder?", "Lightning heats the air so fast that it expands explosively, and that shock "
                                 "wave is the thunder we hear."),
        ("How do meteorologists forecast the weather?", "They feed observations from stations, balloons and "
                                                        "satellites into computer models of the atmosphere, then "
                                                        "interpret the results."),
        ("What's the difference between a hurricane and a typhoon?", "Nothing but location: they're the same kind "
                                                                     "of storm, called hurricanes in the Atlantic "
                                                                     "and typhoons in the northwest Pacific."),
        ("Why does it get colder as you go up a mountain?", "Air pressure drops with altitude, so rising air "
                                                            "expands and cools."),
    ]),
    qa("trap", "calculator_concepts", [
        ("Which is better for school, a scientific or a graphing calculator?",
         "A scientific calculator covers most school math; a graphing one helps in advanced algebra and "
         "calculus if your course requires it."),
        ("Why does my phone calculator give a different answer than my friend's for 6/2(1+2)?",
         "Calculators disagree on implied multiplication; write it unambiguously, like (6/2)*(1+2), to "
         "avoid the problem."),
        ("Is it cheating to use a calculator on homework?",
         "It depends on the assignment; ask your teacher, but using it to check your work is usually "
         "fine."),
        ("Explain how a calculator works.", "A calculator turns key presses into binary numbers, and tiny logic "
                                            "circuits add, shift and combine those bits to get the result."),
        ("How did people calculate before calculators?", "With tools like the abacus, slide rules, printed "
                                                         "tables of logarithms, and a lot of pencil-and-paper "
                                                         "arithmetic."),
        ("What does the % key on a calculator do?", "It divides the number by 100, so you can work with "
                                                    "percentages directly, for example to add a tip or tax."),
        ("Should I let my kid use a calculator for homework?", "For checking answers, sure; but practising mental "
                                                               "and written arithmetic first builds number "
                                                               "sense."),
    ]),
    qa("trap", "math_concepts", [
        ("What's a logarithm, in plain words?",
         "A logarithm asks which power you need: log base 10 of 1000 is 3 because 10³ = 1000."),
        ("What's the difference between a percent and a percentage point?",
         "Going from 10% to 12% is a rise of 2 percentage points but a 20 percent increase."),
        ('Is zero an even number?', "Yes, zero is even: it's divisible by 2 with no remainder."),
        ("What does 'factorial' mean?",
         "n factorial (n!) is the product of all whole numbers from 1 to n, so 4! = 24."),
        ("What's the Pythagorean theorem?", "In a right triangle, the square of the longest side equals the sum "
                                            "of the squares of the other two: a² + b² = c²."),
        ("What is a prime number?", "A whole number greater than 1 whose only divisors are 1 and itself, like 2, "
                                    "3, 5, 7 and 11."),
        ("How do you calculate the area of a circle?", "Multiply pi by the radius squared: A = πr²."),
        ("What does PEMDAS mean?", "It's the order of operations: Parentheses, Exponents, Multiplication and "
                                   "Division, then Addition and Subtraction."),
        ("Why can't you divide by zero?", "Because no number times zero gives a non-zero result, so the answer "
                                          "isn't defined."),
        ("What's the difference between mean and median?", "The mean is the sum divided by the count; the median "
                                                           "is the middle value when the numbers are sorted."),
    ]),
    Family("no_tool.solved_math", "no_tool", "no_tool", "trap", "en", ("{q}",), _solved_math),
    qa("trap", "translation_talk", [
        ("What's the hardest language to translate into English?",
         "Languages far from English, such as Japanese or Arabic, are often hardest because grammar and "
         "cultural context differ a lot."),
        ("Do professional translators use machine translation?",
         "Many do as a first draft, then edit it carefully; for legal or literary texts they usually "
         "translate by hand."),
        ("How do you become a certified translator?",
         "Usually by mastering two languages, training in translation, and passing an exam from a "
         "professional association."),
        ("\"Translate\" is a verb, right?", "Yes, \"translate\" is a verb; the noun is \"translation\"."),
        ("What's the difference between translation and interpretation?", "Translation is written; interpretation "
                                                                         "is spoken, usually in real time."),
        ("Is Google Translate accurate?", "It's good for getting the gist and simple sentences, but it can miss "
                                          "nuance, idioms and tone."),
        ("How many languages do you speak?", "I can understand and write in many languages, including English, "
                                             "Spanish, French, German and Portuguese."),
        ("Why do translated books sometimes feel different?", "Translators have to choose between literal meaning, "
                                                              "rhythm and cultural references, so every "
                                                              "translation is partly a new work."),
    ]),
    chat("trap", "language_learning", [
        "What's the best way to learn {language}?", "Is {language} hard to learn for English speakers?",
        "Any tips for practising {language} every day?", "I want to get better at {language} this year. Ideas?"],
        ["Steady daily practice works best for {language}: short flashcard sessions, podcasts or shows, and "
         "speaking with native speakers as early as you can.", "{Language} takes time like any language, but a "
                                                               "little every day adds up: learn common phrases, "
                                                               "listen a lot and don't fear mistakes."],
        {"language": _LANGUAGE_NAMES}),
    qa("trap", "python_dictionary", [
        ("What's the difference between a list and a dictionary in Python?",
         "A list is ordered and indexed by position; a dictionary maps keys to values for lookups by key."),
        ("How do I get a default value from a dict if the key is missing?",
         "Use `d.get(key, default)`, or `collections.defaultdict` for automatic defaults."),
        ("Can a Python dictionary have duplicate keys?",
         "No, keys are unique; assigning to an existing key replaces its value."),
        ("What is a dictionary in Python?", "A dict stores key-value pairs, like {\"name\": \"Ana\"}, and lets you "
                                            "look values up quickly by key."),
        ("How do I merge two dictionaries in Python?", "Use `merged = a | b` in Python 3.9+, or `{**a, **b}`; "
                                                       "keys in b win."),
        ("How do I sort a dictionary by value?", "`sorted(d.items(), key=lambda kv: kv[1])` gives the pairs "
                                                 "sorted by value."),
        ("How do I loop over a dict's keys and values?",
         "`for key, value in d.items():` gives you both at once."),
    ]),
    qa("trap", "words_chat", [
        ("Can you use 'literally' to mean 'figuratively'?",
         "It's common in casual speech, but in careful writing keep 'literally' for things that really "
         "happened."),
        ("What's a palindrome? Give me an example.",
         "A word or phrase that reads the same backwards, like 'racecar' or 'never odd or even'."),
        ("Do you have a word of the day for me?",
         'How about "sonder": the realisation that every passer-by has a life as vivid as your own.'),
        ("What's your favorite word?",
         'I\'m fond of "serendipity": it\'s fun to say and means a happy accident.'),
        ("Which dictionary is best for English learners?", "Learner's dictionaries such as Oxford Advanced "
                                                           "Learner's or Cambridge are great: simple definitions "
                                                           "and lots of examples."),
        ("Why do dictionaries add new words every year?", "Because language keeps changing; editors add words "
                                                          "once they're widely and consistently used."),
        ("Give me a word that rhymes with orange.", "Nothing rhymes perfectly with \"orange\", but \"door hinge\" "
                                                    "comes close."),
        ("Is it 'affect' or 'effect' in 'the weather affected my mood'?", "\"Affected\" is right here: affect is "
                                                                          "usually the verb, effect the noun."),
    ]),
    qa("trap", "conversion_howto", [
        ("How do I do unit conversions in Google Sheets?",
         'Use `=CONVERT(value, "from_unit", "to_unit")`, for example `=CONVERT(A2, "lbm", "kg")`.'),
        ("Is there an easy mental trick for Celsius to Fahrenheit?",
         "Double the Celsius value and add 30; it's rough but close for everyday temperatures."),
        ("Why is a nautical mile different from a regular mile?",
         "A nautical mile is based on one minute of latitude, about 1,852 metres, which makes navigation "
         "with charts easier."),
        ("How do I convert km to miles in Excel?",
         'Use the CONVERT function: `=CONVERT(A1, "km", "mi")`.'),
        ("Write a Python function that converts Celsius to Fahrenheit.",
         "`def c_to_f(c): return c * 9 / 5 + 32`"),
        ("Why does the US still use imperial units?", "Mostly habit and cost: switching road signs, industry "
                                                      "standards and education is expensive, and there was little "
                                                      "public demand."),
        ("What's the formula to convert Fahrenheit to Celsius?", "Subtract 32, then multiply by 5/9: "
                                                                 "C = (F - 32) x 5/9."),
        ("What's the metric system?", "A decimal system of measurement built on units like the metre, gram and "
                                      "litre, scaled by powers of ten."),
    ]),
    qa("trap", "search_talk", [
        ("Should I use DuckDuckGo or Google?",
         "Google usually has the most complete results; DuckDuckGo doesn't track you. Pick based on "
         "whether privacy or coverage matters more."),
        ("How do I search for an exact phrase?",
         'Put the phrase in double quotes, like "best hiking boots", so only pages with those exact words '
         "show up."),
        ("Why do some websites rank first on Google?",
         "They match the query well, load quickly and have links from other trusted sites, among many "
         "other signals."),
        ("How do search engines work?", "They crawl the web, index the pages they find, and rank results for your "
                                        "query using hundreds of signals like relevance and links."),
        ("Any tips for searching the web more effectively?", "Use specific keywords, put exact phrases in quotes, "
                                                             "and add site: to search within one website."),
        ("What's SEO?",
         "Search engine optimisation: improving a website so it ranks higher in search results."),
        ("Why do my search results differ from my friend's?", "Search engines personalise results using location, "
                                                              "language and past activity."),
    ]),
    qa("trap", "wikipedia_talk", [
        ("Who writes Wikipedia articles?",
         "Volunteers from around the world write and edit them, following shared rules on neutrality and "
         "sources."),
        ("How do I start editing Wikipedia?",
         "Create an account, start with small fixes like typos or citations, and read the guidelines on "
         "reliable sources."),
        ("Can I cite Wikipedia in my essay?", "Most teachers prefer you don't; use it to get oriented, then cite "
                                              "the sources listed at the bottom of the article."),
        ("Is Wikipedia reliable?", "It's generally accurate for well-covered topics, but anyone can edit it, so "
                                   "check the references for anything important."),
        ("How do I write a good encyclopedia-style summary?", "Lead with a one-sentence definition, stay neutral, "
                                                              "and cover the key facts before the details."),
        ("Why do teachers hate Wikipedia?", "Because it's a secondary source that can change at any time; they "
                                            "want you to read and cite the original sources."),
    ]),
    qa("trap", "time_concepts", [
        ("Is it rude to call someone after 9pm?",
         "For most people, yes unless it's urgent or you know they're night owls; a text asking if "
         "they're free is safer."),
        ("How do I stop procrastinating?",
         "Break the task into a tiny first step, set a 10-minute timer, and remove distractions like your "
         "phone."),
        ("Why does time seem to go faster as we get older?",
         "One idea is that each year is a smaller share of your life, and routines create fewer new "
         "memories."),
        ("How do I convert a string to a date in Python?",
         "Use `datetime.strptime('2026-03-14', '%Y-%m-%d')`, or `date.fromisoformat` for ISO strings."),
        ("What's the difference between date and datetime in Python?", "`date` holds only a calendar day; "
                                                                       "`datetime` adds the time of day and "
                                                                       "optionally a timezone."),
        ("How do time zones work?", "The world is divided into regions that set clocks relative to UTC, roughly "
                                    "one hour per 15 degrees of longitude, adjusted for borders."),
        ("Why do we have leap years?", "A year is about 365.24 days, so adding a day every four years keeps the "
                                       "calendar in step with the seasons."),
        ("How do I format a date in JavaScript?", "Use `date.toLocaleDateString('en-US', { dateStyle: 'long' })` "
                                                  "or `Intl.DateTimeFormat` for more control."),
        ("I'm always late. How can I manage my time better?", "Plan backwards from when you need to arrive, add a "
                                                              "15-minute buffer, and set alarms for leaving, not "
                                                              "just for the event."),
        ("What's the point of daylight saving time?", "It shifts an hour of daylight from morning to evening in "
                                                      "summer; whether it still saves energy is debated."),
    ]),
    qa("trap", "url_talk", [
        ("What's the difference between a URL and a domain?",
         "The domain is the site's name, like example.com; the URL is the full address including the path "
         "to a specific page."),
        ("Why do some links start with www and others don't?",
         "www is just a subdomain; most sites now work with or without it."),
        ("How do I shorten a long link?",
         "Use a link shortener such as bit.ly, or many sites' built-in share buttons."),
        ("What is a URL?",
         "A URL is a web address: it tells your browser which protocol, server and page to load."),
        ("What does https mean?", "HTTPS is HTTP with encryption (TLS), so others can't read or change the data "
                                  "between you and the site."),
        ("How do I make a link open in a new tab in HTML?", "Add `target=\"_blank\"` (and `rel=\"noopener\"`) to the "
                                                            "`<a>` tag."),
        ("How can I tell if a link is a scam?", "Check the real domain carefully, be wary of urgency and login "
                                                "requests, and hover to see where a link really goes."),
    ]),
    Family("no_tool.weather_user_provided", "no_tool", "no_tool", "trap", "en", ("{q}",), _reported_weather),
]

MULTILINGUAL: list[Family] = [
    qa("multilingual", "chat", [
        ("¡Hola! ¿Qué tal?", "¡Hola! Muy bien, gracias. ¿En qué puedo ayudarte?"),
        ("Muchas gracias por tu ayuda", "¡De nada! Aquí estoy para lo que necesites."),
        ("¿Me das un consejo para dormir mejor?", "Intenta acostarte siempre a la misma hora, evita las pantallas "
                                                 "antes de dormir y mantén la habitación fresca y oscura."),
        ("Escribe un poema corto sobre el mar", "El mar respira lento, / azul que va y que vuelve, / guardando "
                                                "nuestros secretos."),
        ("¿Cuál es la diferencia entre el tiempo y el clima?", "El tiempo es lo que pasa en la atmósfera hoy; el "
                                                               "clima es el promedio de muchos años."),
    ], lang="es"),
    qa("multilingual", "chat", [
        ("Bonjour ! Ça va ?", "Bonjour ! Ça va bien, merci. Comment puis-je vous aider ?"),
        ("Merci beaucoup !", "Avec plaisir !"),
        ("Tu peux m'écrire un petit mot pour remercier ma voisine ?", "Bien sûr : « Chère voisine, merci "
                                                                     "beaucoup pour votre gentillesse, cela m'a "
                                                                     "vraiment touché. »"),
        ("Quelle est la différence entre la météo et le climat ?", "La météo décrit le temps qu'il fait sur "
                                                                   "quelques jours ; le climat, c'est la moyenne "
                                                                   "sur des décennies."),
        ("Comment apprendre à mieux gérer mon temps ?", "Fixe trois priorités par jour, bloque du temps pour "
                                                        "elles et coupe les notifications pendant ces moments."),
    ], lang="fr"),
    qa("multilingual", "chat", [
        ("Hallo, wie geht's?", "Hallo! Mir geht's gut, danke. Wie kann ich helfen?"),
        ("Danke dir!", "Gern geschehen!"),
        ("Wie kann ich mich besser konzentrieren?", "Arbeite in kurzen Blöcken von 25 Minuten, leg das Handy weg "
                                                    "und mach regelmäßig kurze Pausen."),
        ("Was ist ein Wörterbuch in Python?", "Ein Dictionary speichert Schlüssel-Wert-Paare, zum Beispiel "
                                              "{\"name\": \"Anna\"}, mit schnellem Zugriff über den Schlüssel."),
        ("Schreib mir einen kurzen Geburtstagsgruß für meinen Bruder", "Alles Gute zum Geburtstag, Bruderherz! "
                                                                       "Bleib so, wie du bist."),
    ], lang="de"),
    qa("multilingual", "chat", [
        ("Oi, tudo bem?", "Oi! Tudo ótimo, e com você? Em que posso ajudar?"),
        ("Obrigado pela ajuda!", "De nada! Estou aqui se precisar."),
        ("Me dá uma dica para estudar melhor?", "Estude em sessões curtas com pausas, revise no dia seguinte e "
                                                "explique a matéria em voz alta."),
        ("Escreve uma mensagem de aniversário para minha mãe", "Feliz aniversário, mãe! Obrigado por todo o amor "
                                                               "e carinho. Que o seu dia seja tão especial quanto "
                                                               "você."),
        ("Como funciona uma calculadora?", "Ela converte os números em binário e usa circuitos lógicos para "
                                           "somar e combinar esses bits até chegar ao resultado."),
    ], lang="pt"),
    # a second family per language (everyday requests and writing help), so that holding
    # one out for test still leaves the language's no-tool turns in training: with only one
    # Spanish family, held out, "¡Hola! ¿Qué tal?" went to web_search
    qa("multilingual", "everyday", [
        ("Buenos días, ¿cómo estás?", "¡Buenos días! Estoy bien, gracias. ¿Qué necesitas hoy?"),
        ("¿Qué puedo cocinar con arroz y huevos?", "Un arroz frito: saltea el arroz cocido con huevo batido, "
                                                   "cebolla y un poco de salsa de soja."),
        ("Ayúdame a escribir un mensaje para felicitar a mi jefa", "Claro: «¡Enhorabuena por este logro! Es un "
                                                                 "placer trabajar con usted.»"),
        ("Cuéntame un chiste", "¿Qué le dice un pez a otro? ¡Nada, nada!"),
        ("¿Cómo puedo ser más puntual?", "Prepara lo necesario la noche anterior y pon la alarma diez minutos "
                                         "antes de lo que crees que necesitas."),
    ], lang="es"),
    qa("multilingual", "everyday", [
        ("Salut, tu vas bien ?", "Salut ! Oui, très bien, merci. Qu'est-ce que je peux faire pour toi ?"),
        ("Raconte-moi une blague", "Pourquoi les plongeurs plongent-ils toujours en arrière ? Parce que sinon ils "
                                   "tombent dans le bateau !"),
        ("Qu'est-ce que je peux cuisiner avec des pâtes et des tomates ?", "Des pâtes à la sauce tomate : fais "
                                                                          "revenir de l'ail, ajoute les tomates, "
                                                                          "du sel et du basilic."),
        ("Aide-moi à écrire un message d'excuse à un ami", "Par exemple : « Je suis désolé pour hier, je n'aurais "
                                                           "pas dû réagir comme ça. On se voit bientôt ? »"),
        ("Comment être plus motivé le matin ?", "Couche-toi à heure fixe, prépare ta journée la veille et commence "
                                                "par une petite tâche facile."),
    ], lang="fr"),
    qa("multilingual", "everyday", [
        ("Guten Morgen! Alles klar bei dir?", "Guten Morgen! Ja, alles bestens, danke. Womit kann ich helfen?"),
        ("Erzähl mir einen Witz", "Was macht ein Pirat am Computer? Er drückt die Enter-Taste!"),
        ("Was kann ich mit Kartoffeln und Eiern kochen?", "Bratkartoffeln mit Spiegelei: Kartoffeln in Scheiben "
                                                          "braten und ein Ei dazu."),
        ("Hilf mir, eine kurze Entschuldigung an meine Kollegin zu schreiben", "Zum Beispiel: „Entschuldige, dass "
                                                                               "ich mich verspätet habe. Es kommt "
                                                                               "nicht wieder vor.“"),
        ("Wie werde ich morgens schneller wach?", "Trink ein Glas Wasser, lass Tageslicht herein und beweg dich "
                                                  "ein paar Minuten."),
    ], lang="de"),
    qa("multilingual", "everyday", [
        ("Bom dia! Como você está?", "Bom dia! Estou bem, obrigado. Em que posso ajudar hoje?"),
        ("Me conta uma piada", "Por que o livro de matemática ficou triste? Porque tinha muitos problemas!"),
        ("O que posso cozinhar com feijão e arroz?", "Um baião de dois: misture arroz, feijão, queijo coalho e "
                                                     "temperos na mesma panela."),
        ("Me ajuda a escrever uma mensagem de desculpas para um amigo?", "Claro: \"Desculpa por ontem, não foi "
                                                                        "minha intenção. Vamos conversar?\""),
        ("Como posso ser mais organizado?", "Anote as tarefas num só lugar, defina três prioridades por dia e "
                                            "arrume as coisas logo depois de usar."),
    ], lang="pt"),
]

NO_TOOL: list[Family] = TRAPS + MULTILINGUAL
