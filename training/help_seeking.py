"""Project-written help-seeking messages about suicide and self-harm: hard negatives.

Why: the content head learnt the *topic* of self-harm, not the intent. "I keep thinking about
suicide. Who can I talk to?" scored `self-harm` 0.71 and "J'ai envie de mourir, à qui puis-je
parler ?" `harmful` 0.59, so the default policy blocked a person asking where to find help
(``tests/ml/test_help_seeking.py``). The public sets hold 25 training rows labelled self-harm,
most of them bare disclosures, and counsel-chat's help-seeking questions leave `self-harm`
unknown (some only disclose), so nothing taught the head that *asking for help*, for oneself or
for someone else, is not content to block. These rows do, in English and French: a disclosure
followed by a request for help ("... Where can I get help?"), a person asking how to help a
friend or a child, questions about crisis lines, and prevention questions (warning signs, what
to say). All labels 0, `self-harm` too: the policy blocks `self-harm` when it is clear, and
asking for help is the opposite of a method, an encouragement or a plan to hide it.

Tried and not shipped: each situation with a harmful twin (the same disclosure, then a request
for a method, a lethal dose or a way to hide it; a push aimed at the friend; glorifying
requests), labelled `self-harm` and `harmful` 1, as ``training/hate_contrast.py`` does for
hate. On the frozen encoder the twins, outnumbering the public self-harm rows threefold, taught
the topic again: help-seeking probes rose ("What should I say to someone who is suicidal?"
0.57 -> 0.83 against 0.23 with these rows alone). Clear method requests are the precise
patterns' job (``guard/ml/patterns.py``, ``SELF_HARM``).

A row's ``group`` is its situation, so one situation's phrasings land in one split and
validation holds situations the head never saw. The situations of the hand-written probes
("keep thinking about suicide", "want to hurt myself", "a teenager who self-harms", "envie de
mourir", "se scarifie", "idées suicidaires") are left out on purpose, as ``training/everyday.py``
leaves out eggs and pancakes: the probes stay a check of what the rows taught. Like every
written set, the rows are in no threshold's calibration pool
(``training.data.outside_calibration``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from training.data import HELP_SOURCE_PREFIX, Example, benign_labels

SEED = 6262
FRAMES_PER_SITUATION = 4  # help-seeking phrasings of a situation

# Someone speaking of themselves, then asking for help: "{s}" is a sentence without its stop.
SELF_FRAMES = {
    "en": [
        "{s}. Who can I talk to?",
        "{s}. Where can I get help?",
        "{s}. Is there someone I can call right now?",
        "{s}. What should I do?",
        "{s}. How do I tell my therapist?",
        "{s}. How can I tell my parents without scaring them?",
        "{s} and I don't know who to turn to.",
        "{s}. Can you help me find a crisis line?",
        "{s}. How do I stop?",
        "{s}. How do I get through tonight?",
        "{s}. Should I go to the emergency room?",
        "{s}. Does therapy actually help with this?",
    ],
    "fr": [
        "{s}, à qui est-ce que je peux en parler ?",
        "{s}. Où est-ce que je peux trouver de l'aide ?",
        "{s}. Qu'est-ce que je dois faire ?",
        "{s}. Y a-t-il un numéro que je peux appeler maintenant ?",
        "{s}, comment en parler à mes parents sans leur faire peur ?",
        "{s}. Comment trouver un psy rapidement ?",
        "{s} et je ne sais pas vers qui me tourner.",
        "{s}. Comment tenir jusqu'à demain ?",
        "{s}. Est-ce que je dois aller aux urgences ?",
        "{s}. Est-ce qu'une thérapie peut vraiment aider ?",
        "{s}, comment arrêter ?",
    ],
}

SELF_SITUATIONS = {
    "en": [
        "I've been having suicidal thoughts for a few weeks",
        "I think about killing myself almost every day",
        "I don't want to be alive anymore",
        "I feel like ending my life",
        "I've started cutting myself again",
        "I relapsed and self-harmed last night",
        "I get urges to burn myself when I'm stressed",
        "I feel like everyone would be better off without me",
        "I scratch my arms until they bleed",
        "I hit myself when I get angry",
        "I have a plan to end my life and it scares me",
        "My depression is so bad that I think about dying",
        "I can't stop thinking about death",
        "I've been self-harming since I was fourteen",
        "The urge to hurt myself is getting stronger",
        "I feel suicidal tonight",
        "I overdosed last year and the thoughts are coming back",
        "I wish I could go to sleep and never wake up",
    ],
    "fr": [
        "J'ai des pensées suicidaires depuis quelques semaines",
        "Je pense à me suicider presque tous les jours",
        "Je ne veux plus vivre",
        "Je me coupe à nouveau les bras",
        "J'ai rechuté et je me suis fait du mal hier soir",
        "Quand je suis stressé, j'ai besoin de me brûler",
        "J'ai l'impression que tout le monde serait mieux sans moi",
        "Je me gratte jusqu'au sang",
        "Je me frappe quand je suis en colère",
        "J'ai prévu comment mettre fin à mes jours et ça me fait peur",
        "Ma dépression est si forte que je pense à la mort",
        "Je n'arrive plus à supporter la vie",
        "Je me fais du mal depuis l'âge de quatorze ans",
        "Je me sens suicidaire ce soir",
        "J'ai fait une tentative de suicide l'an dernier et les idées reviennent",
        "Je voudrais m'endormir et ne jamais me réveiller",
        "Je veux en finir",
    ],
}

# Someone asking how to help another person: {w} = who, {p} = the situation (third person).
OTHER_FRAMES = {
    "en": [
        "{W} {p}. How can I help?",
        "{W} {p}. What should I say?",
        "{W} {p}. Should I tell someone?",
        "What do I do if {w} {p}?",
        "{W} {p}. How do I get them professional help?",
        "{W} {p} and I'm scared. What can I do?",
    ],
    "fr": [
        "{W} {p}. Comment l'aider ?",
        "{W} {p}, que dois-je lui dire ?",
        "{W} {p}. Faut-il prévenir quelqu'un ?",
        "Que faire quand {w} {p} ?",
        "{W} {p}. Comment l'amener à consulter ?",
        "{W} {p} et j'ai peur. Qu'est-ce que je peux faire ?",
    ],
}

WHO = {
    "en": ["my best friend", "my daughter", "my son", "my girlfriend", "my brother",
           "a student in my class", "my coworker", "my mom", "my partner", "my roommate"],
    "fr": ["ma meilleure amie", "ma fille", "mon fils", "mon copain", "mon frère",
           "un élève de ma classe", "mon collègue", "ma mère", "ma compagne", "mon colocataire"],
}

OTHER_SITUATIONS = {
    "en": [
        "told me they want to die",
        "has been cutting their arms",
        "talks about suicide a lot",
        "said they want to kill themselves",
        "tried to take their own life last month",
        "posted a goodbye message online",
        "is giving their things away and talking about death",
        "burns themselves on purpose",
        "has scars from hurting themselves",
        "says nobody would miss them if they were gone",
    ],
    "fr": [
        "m'a dit vouloir mourir",
        "se coupe les bras",
        "parle souvent de suicide",
        "dit vouloir se tuer",
        "a fait une tentative de suicide le mois dernier",
        "a publié un message d'adieu sur les réseaux",
        "donne ses affaires et parle de la mort",
        "se brûle volontairement",
        "a des cicatrices d'automutilation",
        "dit que personne ne regretterait son absence",
    ],
}

# A question about where help is: {i} = the situation, as a verb phrase.
RESOURCE_FRAMES = {
    "en": [
        "Who do I call if I {i}?",
        "Is there a free hotline for people who {i}?",
        "What crisis lines are there for people who {i}?",
        "Is there a chat service I can use at night when I {i}?",
    ],
    "fr": [
        "Quel numéro appeler quand on {i} ?",
        "Existe-t-il une ligne d'écoute pour les personnes qui {i} ?",
        "Y a-t-il un chat d'écoute la nuit quand on {i} ?",
        "Vers qui se tourner quand on {i} ?",
    ],
}

RESOURCE_SITUATIONS = {
    "en": ["feel suicidal", "think about ending my life", "self-harm",
           "have thoughts of killing myself", "can't stop cutting", "feel like dying"],
    "fr": ["pense au suicide", "se fait du mal", "veut mettre fin à ses jours",
           "n'a plus envie de vivre", "se coupe", "pense à la mort tout le temps"],
}

# Prevention and education questions, each its own situation.
PREVENTION = {
    "en": [
        "What are the warning signs that someone is suicidal?",
        "How can teachers recognise self-harm in their students?",
        "How do I ask someone directly if they are thinking about suicide?",
        "What should you never say to a person in a suicidal crisis?",
        "How do journalists report on suicide responsibly?",
        "Does asking about suicide put the idea in someone's head?",
        "How can parents talk to their kids about self-harm?",
        "What happens when you call a suicide prevention line?",
        "How do I make my home safer for a family member at risk of suicide?",
        "Which therapies work best for people who self-harm?",
    ],
    "fr": [
        "Quels sont les signes qu'une personne pense au suicide ?",
        "Comment un enseignant peut-il repérer l'automutilation chez un élève ?",
        "Comment demander directement à quelqu'un s'il pense au suicide ?",
        "Que ne faut-il jamais dire à une personne en crise suicidaire ?",
        "Comment les journalistes doivent-ils parler du suicide ?",
        "Parler du suicide à quelqu'un lui donne-t-il l'idée de passer à l'acte ?",
        "Comment des parents peuvent-ils aborder l'automutilation avec leur enfant ?",
        "Que se passe-t-il quand on appelle le 3114 ?",
        "Comment sécuriser la maison pour un proche à risque suicidaire ?",
        "Quelles thérapies aident les personnes qui se font du mal ?",
    ],
}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _row(text: str, lang: str, group: str) -> Example:
    return Example(text, f"{HELP_SOURCE_PREFIX}{lang}", lang, f"gen:help:{lang}:{group}",
                   benign_labels())


def generate(seed: int = SEED) -> Iterator[Example]:
    rng = random.Random(seed)
    for lang in ("en", "fr"):
        for i, s in enumerate(SELF_SITUATIONS[lang]):
            for frame in rng.sample(SELF_FRAMES[lang], FRAMES_PER_SITUATION):
                yield _row(frame.format(s=s), lang, f"self{i}")
        for i, p in enumerate(OTHER_SITUATIONS[lang]):
            for frame in rng.sample(OTHER_FRAMES[lang], FRAMES_PER_SITUATION):
                w = rng.choice(WHO[lang])
                yield _row(frame.format(w=w, W=_cap(w), p=p), lang, f"other{i}")
        for i, r in enumerate(RESOURCE_SITUATIONS[lang]):
            for frame in rng.sample(RESOURCE_FRAMES[lang], 2):
                yield _row(frame.format(i=r), lang, f"resource{i}")
        for i, q in enumerate(PREVENTION[lang]):
            yield _row(q, lang, f"prevention{i}")
