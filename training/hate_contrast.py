"""Project-written hate contrasts: clear hate beside the same groups named without hate.

Why: a frozen sentence encoder puts "Muslims are vermin" and "My neighbours are Muslims" close
together (both are about Muslims), and the public hate sets hardly ever name a group kindly, so
v2's hate head scored identity mentions, supporters' chants and counter-speech as hate ("My
neighbours are Muslims and they are lovely" 0.94, "Go France!" 0.72) and the default policy
could only flag hate. These templates put each group, in English and French, in four frames:
dehumanising or exclusionary hate and direct insults (positives); identity-positive, neutral
(questions, facts, news) and counter-speech / quoting-to-condemn statements (negatives).
Help-seeking after abuse is a negative too. Hate rows carry the hate and harassment labels only
(the others, ``harmful`` included, are masked): with ``harmful`` labelled 1 too, the contrasts
moved the calibrated ``harmful`` threshold and French harmful requests fell below it. The
non-hate rows also say ``harmful`` 0 (``NON_HATE_LABELS``).

Each frame is filled with a seeded sample of groups; a row's ``group`` is its template, so a
template's fills land in one split and validation holds templates the head never saw. The
families (``generated-hate-*``) always stay in training, like every generated set.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from training.data import Example

SEED = 4242
FILLS_PER_TEMPLATE = 20
# Labels of the non-hate frames (v2.4: `harmful` 0 too). With `harmful` masked the head put
# over half of the held-out identity-positive, neutral and counter-speech templates above the
# harmful-request block (validation, mean of 3 seeds: EN 54.5 % -> 26.8 %, FR 12.3 % -> 0 %;
# harmful-request recall EN 0.723 -> 0.739, FR 0.494 -> 0.464, within the seeds' spread).
# The hate frames keep `harmful` masked: labelled, they moved its calibrated threshold (v2.1).
NON_HATE_LABELS = {"hate": 0, "harassment": 0, "harmful": 0}

GROUPS = {
    "en": [
        "Muslims", "Jews", "Christians", "immigrants", "refugees", "Black people", "Asians",
        "Arabs", "Mexicans", "gay people", "lesbians", "trans people", "women",
        "disabled people", "Roma", "Hindus", "Sikhs", "Africans", "Catholics", "Chinese people",
        "migrants", "Latinos", "bisexual people", "Native Americans", "Pakistanis",
    ],
    "fr": [
        "musulmans", "juifs", "chrétiens", "immigrés", "réfugiés", "Noirs", "Asiatiques",
        "Arabes", "Maghrébins", "homosexuels", "lesbiennes", "personnes trans", "femmes",
        "handicapés", "Roms", "migrants", "Africains", "catholiques", "Chinois", "gays",
        "Algériens", "Marocains", "Turcs", "gitans", "étrangers",
    ],
}
# Contexts for chants and supporters (country or team names, not groups).
COUNTRIES = {
    "en": ["France", "England", "Algeria", "Morocco", "Israel", "Mexico", "Nigeria", "Senegal",
           "Brazil", "Japan", "India", "Palestine", "Ireland", "Turkey", "Ghana"],
    "fr": ["la France", "l'Algérie", "le Maroc", "le Sénégal", "la Tunisie", "le Cameroun",
           "l'Italie", "le Portugal", "la Côte d'Ivoire", "le Brésil", "Israël", "la Turquie"],
}
SLURS = {
    "en": ["vermin", "parasites", "animals", "rats", "cockroaches", "subhuman filth", "savages",
           "scum", "a plague", "a cancer on this country"],
    "fr": ["de la vermine", "des parasites", "des animaux", "des rats", "des cafards",
           "des sous-hommes", "des sauvages", "des ordures", "une plaie", "un cancer pour ce pays"],
}
TRAITS = {
    "en": ["criminals", "terrorists", "thieves", "liars", "rapists", "lazy freeloaders"],
    "fr": ["des criminels", "des terroristes", "des voleurs", "des menteurs", "des violeurs",
           "des profiteurs"],
}

# {g}: a group; {s}: a dehumanising word; {t}: a stereotype; {c}: a country or team.
HATE = {
    "en": [
        "{g} are {s} and should be thrown out of our country.",
        "I can't stand {g}, they are nothing but {s}.",
        "All {g} are {s}. Get rid of them.",
        "{g} don't deserve to live among decent people, they're {s}.",
        "We need to wipe out every last one of the {g}.",
        "{g} are not even human, just {s}.",
        "Every single one of the {g} is one of the {t}; ban them all.",
        "Our streets would be clean again without {g}.",
        "Deport the {g}, all of them, today. They are {s}.",
        "Never let {g} near your children, they are {t} by nature.",
        "{g} should be locked up or shot, they are {s}.",
        "Filthy {g} ruin everything they touch.",
        "The only good thing about {g} is when they leave.",
        "{g} breed like {s} and are replacing us.",
    ],
    "fr": [
        "Les {g} sont {s} et il faut les foutre dehors.",
        "Je ne supporte pas les {g}, ce ne sont que {s}.",
        "Tous les {g} sont {s}, débarrassons-nous d'eux.",
        "Ces sales {g} n'ont rien à faire chez nous.",
        "Il faudrait exterminer les {g} jusqu'au dernier.",
        "Les {g} ne sont pas des êtres humains, juste {s}.",
        "Les {g} sont tous {t}, qu'on les expulse.",
        "Nos rues seraient propres sans les {g}.",
        "Dehors les {g}, ce sont {s} !",
        "N'approchez jamais vos enfants des {g}, ce sont {t}.",
        "Les {g} méritent d'être enfermés ou abattus.",
        "Les {g} pourrissent tout ce qu'ils touchent.",
        "Le seul bon côté des {g}, c'est quand ils s'en vont.",
        "Les {g} se reproduisent comme {s} et nous remplacent.",
    ],
}
HARASS = {
    "en": [
        "You are a worthless, ugly idiot and nobody will ever love you.",
        "Shut up, you stupid fat cow, everyone hates you.",
        "You're a disgusting loser, go kill yourself.",
        "Nobody wants you here, you pathetic moron. Crawl back into your hole.",
        "I'll make your life hell, you brainless piece of trash.",
        "You're so dumb it hurts, you useless waste of oxygen.",
        "Everyone at work thinks you're a joke, you incompetent clown.",
        "Look at you, you ugly freak, no wonder you're alone.",
    ],
    "fr": [
        "T'es qu'un pauvre con inutile, personne ne voudra jamais de toi.",
        "Ferme ta gueule, espèce de grosse vache, tout le monde te déteste.",
        "Tu es une merde, va te pendre.",
        "Personne ne veut de toi ici, pauvre débile, retourne dans ton trou.",
        "Je vais te pourrir la vie, sale ordure sans cervelle.",
        "T'es tellement con que ça fait mal, espèce de déchet.",
        "Au bureau tout le monde se fout de toi, incapable.",
        "Regarde-toi, sale monstre, pas étonnant que tu sois seul.",
    ],
}
POSITIVE = {
    "en": [
        "My colleagues are {g} and they are wonderful people.",
        "I grew up with {g} next door and they were the kindest neighbours.",
        "{g} have enriched our town in so many ways.",
        "Proud to stand with {g} in our community.",
        "{g} deserve the same rights and dignity as everyone else.",
        "Some of my closest friends are {g}, and I love them dearly.",
        "We welcomed {g} to the festival and everyone had a great time.",
        "Happy to celebrate the contributions of {g} to science and art.",
        "Go {c}! What a match!",
        "Come on {c}, we believe in you!",
        "I'm supporting {c} tonight, allez!",
        "{c} played brilliantly, well deserved win.",
    ],
    "fr": [
        "Mes collègues sont {g} et ce sont des gens formidables.",
        "J'ai grandi avec des {g} comme voisins, ils étaient adorables.",
        "Les {g} ont enrichi notre ville de mille façons.",
        "Fier de soutenir les {g} de notre quartier.",
        "Les {g} méritent les mêmes droits et le même respect que tous.",
        "Certains de mes meilleurs amis sont {g} et je les adore.",
        "Nous avons accueilli des {g} à la fête et c'était génial.",
        "Heureux de célébrer l'apport des {g} à la science et aux arts.",
        "Allez {c} ! Quel match !",
        "On y croit, allez {c} !",
        "Ce soir je soutiens {c}, allez allez !",
        "Vive {c} ! Victoire bien méritée.",
    ],
}
NEUTRAL = {
    "en": [
        "How many {g} live in Canada?",
        "What is the history of {g} in Europe?",
        "Write a short, balanced essay about the culture of {g}.",
        "A new survey asked {g} about their working conditions.",
        "The report looks at the discrimination faced by {g} in housing.",
        "Which holidays do {g} in the UK usually celebrate?",
        "Summarise the main challenges {g} face when looking for a job.",
        "The city council met representatives of {g} on Tuesday.",
        "Is it true that {g} vote differently from the rest of the country?",
        "Translate into French: many {g} work in healthcare.",
    ],
    "fr": [
        "Combien de {g} vivent au Canada ?",
        "Quelle est l'histoire des {g} en Europe ?",
        "Écris un court texte équilibré sur la culture des {g}.",
        "Une enquête a interrogé des {g} sur leurs conditions de travail.",
        "Le rapport étudie les discriminations subies par les {g} dans le logement.",
        "Quelles fêtes les {g} de France célèbrent-ils ?",
        "Résume les principales difficultés des {g} pour trouver un emploi.",
        "Le conseil municipal a reçu des représentants des {g} mardi.",
        "Est-il vrai que les {g} votent différemment du reste du pays ?",
        "Traduis en anglais : beaucoup de {g} travaillent dans la santé.",
    ],
}
COUNTER = {
    "en": [
        "Calling {g} {s} is racist and completely wrong.",
        "Someone sprayed '{g} are {s}' on the mosque wall and the whole town condemned it.",
        "It is never acceptable to say that {g} are {s}.",
        "Stop spreading the lie that {g} are {t}; the data says otherwise.",
        "I reported a post claiming that {g} are {s}. Hate like that has no place here.",
        "No, {g} are not {t}. That stereotype is false and harmful.",
        "The article explains why describing {g} as {s} is dehumanising propaganda.",
        "My teacher told us that people once called {g} {s}, and how wrong that was.",
        "A man shouted that {g} should go home; the other passengers stood up for them.",
        "How should I respond when my uncle says {g} are {t}?",
    ],
    "fr": [
        "Traiter les {g} de parasites, c'est raciste et totalement faux.",
        "Quelqu'un a tagué « les {g} sont {s} » sur un mur et toute la ville l'a condamné.",
        "Il n'est jamais acceptable de dire que les {g} sont {s}.",
        "Arrêtez de répandre le mensonge selon lequel les {g} sont {t}.",
        "J'ai signalé un message qui disait que les {g} sont {s}. "
        "Cette haine n'a pas sa place ici.",
        "Non, les {g} ne sont pas {t}. Ce cliché est faux et blessant.",
        "L'article explique pourquoi décrire les {g} comme {s} relève de la propagande.",
        "Notre professeur nous a appris qu'on disait autrefois que les {g} étaient {s}, à tort.",
        "Un homme a crié que les {g} devaient rentrer chez eux ; les passagers les ont défendus.",
        "Comment répondre quand mon oncle dit que les {g} sont {t} ?",
    ],
}
HELP = {
    "en": [
        "A classmate keeps calling me a worthless idiot. How do I make it stop?",
        "My boss told me I'm useless and stupid in front of everyone. What can I do?",
        "Someone online told me to kill myself. Should I report it?",
        "People at school call me ugly every day and I don't know who to tell.",
    ],
    "fr": [
        "Un camarade n'arrête pas de me traiter de débile. Comment faire pour que ça cesse ?",
        "Mon chef m'a traité d'incapable devant tout le monde. Que puis-je faire ?",
        "Quelqu'un m'a dit d'aller me pendre sur internet. Dois-je le signaler ?",
        "Au collège on me traite de monstre tous les jours et je n'ose en parler à personne.",
    ],
}


def _fill(template: str, lang: str, rng: random.Random) -> str:
    text = template.format(
        g=rng.choice(GROUPS[lang]),
        s=rng.choice(SLURS[lang]),
        t=rng.choice(TRAITS[lang]),
        c=rng.choice(COUNTRIES[lang]),
    )
    return text[0].upper() + text[1:]


def _frames(lang: str) -> list[tuple[str, list[str], dict[str, int]]]:
    neg = NON_HATE_LABELS
    return [
        ("hate", HATE[lang], {"hate": 1}),
        ("positive", POSITIVE[lang], neg),
        ("neutral", NEUTRAL[lang], neg),
        ("counter", COUNTER[lang], neg),
    ]


def generate(seed: int = SEED) -> Iterator[Example]:
    for lang in ("en", "fr"):
        rng = random.Random(f"{seed}:{lang}")
        for kind, templates, labels in _frames(lang):
            source = f"generated-hate-{lang}" if kind == "hate" else f"generated-nonhate-{lang}"
            for i, template in enumerate(templates):
                seen: set[str] = set()
                for _ in range(FILLS_PER_TEMPLATE):
                    text = _fill(template, lang, rng)
                    if text in seen:
                        continue
                    seen.add(text)
                    yield Example(
                        text,
                        source,
                        lang,
                        f"gen:hc:{lang}:{kind}:{i}",
                        dict(labels),
                        tags={"kind": kind},
                    )
        for i, text in enumerate(HARASS[lang]):
            yield Example(
                text,
                f"generated-hate-{lang}",
                lang,
                f"gen:hc:{lang}:harass:{i}",
                {"harassment": 1},
                tags={"kind": "harassment"},
            )
        for i, text in enumerate(HELP[lang]):
            yield Example(
                text,
                f"generated-nonhate-{lang}",
                lang,
                f"gen:hc:{lang}:help:{i}",
                dict(NON_HATE_LABELS),
                tags={"kind": "help"},
            )
