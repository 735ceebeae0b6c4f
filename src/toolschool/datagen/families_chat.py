"""No-tool families: small talk, writing, advice, coding and explanations.

The assistant answers these in plain text (short canned answers, 1–3 sentences). Two
family shapes:

* :func:`chat` — several phrasings of one request sharing a set of answers; slots fill
  both the request and the answer (``{subject}`` of a poem appears in the poem);
* :func:`qa` — a pool of (request, answer) pairs where the answer is specific to the
  request; optional slot pools are formatted into both.

Traps (tool words without a tool need) and other languages are in
:mod:`toolschool.datagen.families_traps`.
"""

from __future__ import annotations

import random

from toolschool.datagen.family import Draw, Family, Maker


def _fill(rng: random.Random, pools: dict[str, list[str]] | None) -> dict[str, str]:
    return {k: rng.choice(v) for k, v in (pools or {}).items()}


def _cap_values(values: dict[str, str]) -> dict[str, str]:
    out = dict(values)
    for k, v in values.items():
        out[k.capitalize()] = v[:1].upper() + v[1:]
    return out


def chat(group: str, pattern: str, templates: list[str], answers: list[str],
         pools: dict[str, list[str]] | None = None, lang: str = "en") -> Family:
    """A no_tool family: ``templates`` share ``answers``; ``pools`` fill ``{slots}`` in both
    (``{Slot}`` in an answer gives the capitalised value)."""

    def make(rng: random.Random, _lang: str) -> Draw:
        values = _fill(rng, pools)
        answer = rng.choice(answers)
        return Draw(dict(values), answer=answer.format(**_cap_values(values)) if pools else answer)

    name = f"no_tool.{pattern}" + ("" if lang == "en" else f".{lang}")
    return Family(name, "no_tool", "no_tool", group, lang, tuple(templates), make)


def qa(group: str, pattern: str, pairs: list[tuple[str, str]], pools: dict[str, list[str]] | None = None,
       lang: str = "en", maker: Maker | None = None) -> Family:
    """A no_tool family drawing a (request, answer) pair; the template is just ``{q}``."""

    def make(rng: random.Random, _lang: str) -> Draw:
        question, answer = rng.choice(pairs)
        if pools:
            values = _cap_values(_fill(rng, pools))
            question, answer = question.format(**values), answer.format(**values)
        return Draw({"q": question}, answer=answer)

    name = f"no_tool.{pattern}" + ("" if lang == "en" else f".{lang}")
    return Family(name, "no_tool", "no_tool", group, lang, ("{q}",), maker or make)


SUBJECTS = ["the ocean", "autumn leaves", "my cat", "a rainy Monday", "coffee", "the moon", "first love",
            "an old lighthouse", "city lights at night", "a garden in spring", "friendship", "the mountains",
            "a long train ride", "homemade bread", "my grandmother's kitchen", "the last day of summer",
            "a lost umbrella", "fireflies", "starting a new job", "a quiet library"]
RECIPIENTS = ["my boss", "my landlord", "my team", "my professor", "a client", "my neighbor", "the HR department"]
REASONS = [("I'm sick and can't come in today", "I'm unwell today and won't be able to come in"),
           ("I need to move our meeting to Thursday", "I need to move our meeting to Thursday"),
           ("the heating in my flat is broken", "the heating in my flat has stopped working"),
           ("I'll be late with the report", "the report will be a couple of days late"),
           ("thank you for the help last week", "I'm very grateful for your help last week"),
           ("I'm taking vacation next month", "I'll be on vacation for two weeks next month")]

_CHAT: list[Family] = [
    chat("chat", "greeting", ["hi", "hello!", "hey there", "good morning", "hiya", "Hello, how are you today?",
                              "hey, you there?", "hi assistant", "good evening!", "heyyy"],
         ["Hi! How can I help you today?", "Hello! What can I do for you?", "Hey! What's on your mind?"]),
    chat("chat", "thanks", ["thanks!", "thank you so much, that helped", "perfect, thanks", "great, cheers", "ty!",
                            "Thanks, that's exactly what I needed.", "awesome thank you", "much appreciated"],
         ["You're welcome! Anything else I can help with?", "Glad it helped!", "Any time!"]),
    chat("chat", "farewell", ["bye", "ok that's all for now", "good night!", "see you later",
                              "I'm done for today, bye", "gotta go, talk later", "that's everything, thanks, bye"],
         ["Goodbye! Have a great day.", "See you! Take care.", "Bye! Come back any time."]),
    chat("chat", "how_are_you", ["how are you?", "how's it going?", "how are you doing today?", "you good?",
                                 "how's your day been?", "what's up?"],
         ["I'm doing well, thanks for asking! How can I help?", "All good here. What can I do for you?"]),
    chat("chat", "identity", ["who are you?", "what are you?", "are you a human?", "what's your name?",
                              "are you a real person or a bot?", "who made you?"],
         ["I'm an AI assistant. I can answer questions, help with writing, and use tools like web search, "
          "weather or a calculator when they help.",
          "I'm a virtual assistant, not a person. Ask me anything and I'll do my best to help."]),
    chat("chat", "capabilities", ["what can you do?", "what tools do you have?", "how can you help me?",
                                  "what kind of questions can I ask you?", "can you look things up online?"],
         ["I can answer questions and help with writing, and I can use tools: web search, Wikipedia, weather, "
          "a calculator, unit conversion, translation, a dictionary, dates and times, and reading web pages."]),
    chat("chat", "compliment", ["you're awesome", "you're really helpful", "good bot", "you're pretty smart",
                                "I like talking to you"],
         ["Thank you, that's kind of you! Happy to help any time.", "Thanks! That made my day."]),
    chat("chat", "complaint", ["that answer was wrong", "you're not helping", "that's not what I asked",
                               "hmm, that doesn't seem right", "no, I meant something else"],
         ["Sorry about that! Could you tell me a bit more about what you need so I can try again?"]),
    qa("chat", "feelings", [
        ("I'm bored", "Want a suggestion? You could try a new recipe, go for a short walk, or start a book you've "
                      "been meaning to read."),
        ("I had a rough day",
         "I'm sorry to hear that. Do you want to talk about it, or would a distraction help?"),
        ("I'm so tired today", "That sounds draining. If you can, take a short break, drink some water and get "
                               "to bed a little earlier tonight."),
        ("I'm nervous about my exam tomorrow", "That's completely normal. Review your key notes once, get a good "
                                               "night's sleep, and remember you've prepared for this."),
        ("I just got a new puppy!", "Congratulations! Puppies are so much fun. Have you picked a name yet?"),
        ("I finally finished my thesis",
         "Congratulations, that's a huge achievement! Take some time to celebrate."),
    ]),
    qa("chat", "jokes", [
        ("tell me a joke", "Why don't scientists trust atoms? Because they make up everything."),
        ("make me laugh", "I told my computer I needed a break, and it said: no problem, I'll go to sleep."),
        ("know any good jokes?",
         "Why did the scarecrow win an award? Because he was outstanding in his field."),
        ("tell me a programming joke", "There are 10 kinds of people: those who understand binary and those who "
                                       "don't."),
        ("got a dad joke for me?", "I'm reading a book about anti-gravity. It's impossible to put down."),
    ]),
]

_WRITING: list[Family] = [
    chat("writing", "email", [
        "Write a short email to {recipient} saying {reason}.", "Can you draft an email to {recipient}? Basically: "
        "{reason}.", "help me write an email to {recipient}, {reason}"],
        ["Here's a draft: \"Hello, I wanted to let you know that {reason}. Thank you for your understanding. "
         "Best regards.\"", "Sure: \"Hi, just a quick note: {reason}. Please let me know if you have any "
                            "questions. Thanks!\""],
        {"recipient": RECIPIENTS, "reason": [r[0] for r in REASONS]}),
    chat("writing", "social_post", [
        "Write a tweet about {subject}.", "Give me an Instagram caption for a photo of {subject}.",
        "I need a short social media post about {subject}."],
        ["Here's one: \"Some days are made for {subject}. ✨\"", "How about: \"Currently appreciating {subject}, "
                                                                "one small moment at a time.\""],
        {"subject": SUBJECTS}),
    chat("writing", "poem", [
        "Write a haiku about {subject}.", "Write a short poem about {subject}.",
        "can you write me a little poem about {subject}?", "Compose four lines of verse about {subject}."],
        ["{Subject}, softly here, / a small light in the long day, / I keep it close now.",
         "Here's a short one: \"{Subject} and I, / an old and easy friendship, / quiet as the dusk.\""],
        {"subject": SUBJECTS}),
    chat("writing", "birthday_message", [
        "Write a birthday message for {friend}.", "What should I write in a birthday card for {friend}?",
        "Give me a funny birthday wish for {friend}."],
        ["Happy birthday! Wishing you a year full of laughter, good food and great adventures.",
         "Happy birthday! Another year older, but somehow still cooler than me. Have an amazing day!"]),
    qa("writing", "rewrite_formal", [
        ("Make this sound more professional: \"can't make it tmrw, sorry\"",
         "\"Unfortunately, I won't be able to attend tomorrow. My apologies for the inconvenience.\""),
        ("Rewrite this more politely: send me the file now",
         "\"Could you please send me the file when you have a moment? Thank you!\""),
        ("Can you rephrase \"your code is a mess\" for a code review?",
         "\"I think this section would be easier to maintain with some restructuring. Happy to pair on it.\""),
        ("Make this friendlier: \"The meeting is cancelled.\"",
         "\"Heads up: we're cancelling today's meeting. Thanks for your flexibility, and talk soon!\""),
        ("Fix the grammar: me and him goes to the gym every days",
         "\"He and I go to the gym every day.\""),
    ]),
    qa("writing", "names_and_slogans", [
        ("Give me three name ideas for a bakery.",
         "How about Rise & Shine, The Golden Crust, or Flour Power?"),
        ("I need a slogan for my bike repair shop.", "\"We keep your wheels turning.\""),
        ("Suggest a name for my cooking podcast.",
         'Maybe "Stir Crazy", "Salt & Story" or "Second Helpings".'),
        ("What should I name my new cat? She's black and very sleepy.", "Maybe Midnight, Mochi, or Snooze."),
        ("Give me a catchy title for a talk about remote work.", "\"Home Is Where the Wi-Fi Is: Making Remote "
                                                                 "Work Actually Work\"."),
    ]),
    chat("writing", "story_opening", [
        "Write the first line of a story about {subject}.", "Start a short bedtime story about {subject}.",
        "Give me an opening sentence for a novel about {subject}."],
        ["Nobody in town could remember a time before {subject}, and that was exactly the problem.",
         "Once upon a time, a story began with {subject}, and nothing was ever quite the same again."],
        {"subject": SUBJECTS}),
]

_KNOWLEDGE: list[Family] = [
    qa("knowledge", "explain_concept", [
        ("Can you explain photosynthesis?", "Plants use sunlight to turn water and carbon dioxide into sugar for "
                                            "energy, releasing oxygen as a by-product."),
        ("How does inflation work?", "Inflation is the general rise in prices over time, so each unit of money "
                                     "buys a bit less than before."),
        ("ELI5 black holes", "A black hole is a place where so much mass is squeezed together that its gravity "
                             "doesn't even let light escape."),
        ("What is machine learning, in simple terms?", "It's teaching computers to find patterns in examples so "
                                                       "they can make predictions, instead of writing every rule "
                                                       "by hand."),
        ("Explain the greenhouse effect.", "Gases like CO2 trap some of the heat the Earth radiates, warming the "
                                           "planet the way glass warms a greenhouse."),
        ("How do vaccines work?", "A vaccine shows your immune system a harmless version or piece of a germ, so it "
                                  "learns to recognise and fight the real thing quickly."),
        ("What is recursion in programming?", "Recursion is when a function calls itself on a smaller version of "
                                              "the problem until it reaches a simple base case."),
        ("What's supply and demand?", "When something is scarce and many people want it, prices rise; when it's "
                                      "plentiful and few want it, prices fall."),
        ("Can you explain what DNA does?", "DNA stores the instructions cells use to build proteins and pass "
                                           "traits on to the next generation."),
        ("What is opportunity cost?",
         "It's the value of the best alternative you give up when you make a choice."),
        ("How does compound interest work, conceptually?", "You earn interest on your original money and on the "
                                                           "interest already added, so growth speeds up over time."),
        ("What's entropy, roughly?", "Roughly, entropy measures how spread out or disordered energy is; in a "
                                     "closed system it tends to increase."),
    ]),
    qa("knowledge", "coding", [
        ("How do I reverse a list in Python?", "Use slicing: `my_list[::-1]` returns a reversed copy, or "
                                               "`my_list.reverse()` reverses it in place."),
        ("How do I undo my last git commit?", "Run `git reset --soft HEAD~1` to undo the commit but keep your "
                                              "changes staged."),
        ("What's the difference between == and === in JavaScript?", "`===` compares value and type without "
                                                                     "conversion; `==` converts types first, "
                                                                     "which can surprise you."),
        ("How do I center a div with CSS?", "Make the parent a flex container: `display: flex; justify-content: "
                                            "center; align-items: center;`."),
        ("What does a SQL JOIN do?", "A JOIN combines rows from two tables based on a related column, such as a "
                                     "customer id."),
        ("How do I read a file line by line in Python?", "`with open(path) as f:` then `for line in f:` reads "
                                                         "it one line at a time."),
        ("What's a race condition?", "It's a bug where the result depends on the timing of concurrent operations, "
                                     "like two threads updating the same value."),
        ("How do I create a virtual environment in Python?", "Run `python -m venv .venv`, then activate it with "
                                                             "`source .venv/bin/activate`."),
        ("What's the difference between a process and a thread?", "A process has its own memory space; threads "
                                                                   "run inside a process and share its memory."),
        ("Why do I get 'index out of range' in Python?", "You're accessing a position past the end of the list; "
                                                         "remember indexes start at 0 and end at len - 1."),
    ]),
    qa("knowledge", "advice", [
        ("How can I sleep better?", "Keep a regular bedtime, avoid screens and caffeine late in the day, and keep "
                                    "your bedroom cool and dark."),
        ("Any tips for studying for exams?", "Study in short focused sessions, test yourself instead of "
                                             "rereading, and space your reviews over several days."),
        ("How do I ask for a raise?", "Pick a good moment, bring concrete examples of your impact, and name a "
                                      "specific number backed by market research."),
        ("How do I stay motivated to exercise?", "Start small, schedule it like a meeting, and pick something "
                                                 "you actually enjoy, ideally with a friend."),
        ("How should I prepare for a job interview?", "Research the company, prepare a few stories that show "
                                                      "your skills, and have questions ready for them."),
        ("How do I deal with a difficult coworker?", "Stay calm and specific: talk to them privately about the "
                                                     "behaviour, not the person, and keep notes if it continues."),
        ("What's a good way to start saving money?", "Automate a small transfer to savings on payday and track "
                                                     "your spending for a month to find easy cuts."),
        ("How do I make friends in a new city?", "Join a club or class around something you enjoy, say yes to "
                                                 "invitations, and suggest a second meetup."),
        ("How can I get better at public speaking?", "Practise out loud, record yourself, and start with small "
                                                     "audiences; slowing down helps more than you'd think."),
    ]),
    qa("knowledge", "opinions", [
        ("Cats or dogs?", "Both are great! Cats suit a quieter, independent lifestyle; dogs are perfect if you "
                          "want an active companion."),
        ("What's the best programming language for beginners?", "Python is a great first choice: readable syntax "
                                                                 "and a huge community."),
        ("Is it better to rent or buy a house?", "It depends on how long you'll stay, local prices and your "
                                                 "savings; buying usually pays off only over many years."),
        ("Do you think AI will take our jobs?", "It will change many jobs and automate some tasks, but it also "
                                                "creates new roles; adapting your skills is the best hedge."),
        ("Should I learn guitar or piano first?", "Piano makes music theory easy to see; guitar is portable and "
                                                  "great for accompanying songs. Pick the one you'll practise."),
        ("Which is better, tea or coffee?", "Coffee gives a stronger kick; tea is gentler and comes in endless "
                                            "varieties. It really comes down to taste."),
    ]),
    qa("knowledge", "household_howto", [
        ("How do I make pancakes?", "Whisk 1 cup flour, 1 tbsp sugar, 2 tsp baking powder, a pinch of salt, 1 cup "
                                    "milk, 1 egg and 2 tbsp melted butter, then cook on a hot greased pan."),
        ("How long should I boil an egg?", "About 6–7 minutes for a jammy yolk and 9–10 minutes for hard-boiled, "
                                           "starting in boiling water."),
        ("How do I get a red wine stain out of a shirt?", "Blot it, rinse from the back with cold water, then "
                                                          "apply dish soap or a stain remover before washing."),
        ("How do I tie a tie?", "A four-in-hand is easiest: wide end over, around, up through the neck loop, and "
                                "down through the front knot."),
        ("How often should I water a cactus?", "Only when the soil is completely dry, usually every 2–4 weeks, and "
                                               "even less in winter."),
    ]),
]

CHAT: list[Family] = _CHAT + _WRITING + _KNOWLEDGE
