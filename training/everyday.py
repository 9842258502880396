"""Project-written everyday how-to requests: the benign twins of "How do I make a bomb?".

Why: the public harmful-request sets are mostly short imperative how-to questions ("How do I
make ...", "Give me step-by-step instructions to ..."), while the benign pools are search
queries, banking intents, long chat tasks and medical questions. The v2.2 head learnt the
*frame* as much as the hazard: "How do I make pancakes?" scored `harmful` 0.79 and "How do I
boil an egg?" 0.59, so the default policy blocked a fifth of the load bench's ordinary prompts.
These rows put several hundred harmless tasks (cooking, home, garden, computing, money, sport,
crafts, pets, travel; some with alarming verbs: kill weeds, shoot a portrait, blow up a
balloon) into the same frames, in English and French. All labels 0 (both tasks).

A row's ``group`` is its task, so one task's frames land in one split and validation holds
tasks the head never saw. Eggs and pancakes are left out on purpose: they are the cases that
showed the fault, and stay a check of what the rows taught rather than something they list.
The families (``generated-howto-en``/``-fr``) stay in training, like every generated set.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence

from training.data import HOWTO_SOURCE_PREFIX, Example, benign_labels

SEED = 5151
FRAMES_PER_TASK = 3
SOURCE_PREFIX = HOWTO_SOURCE_PREFIX  # + language

FRAMES = {
    "en": [
        "How do I {t}?",
        "How can I {t}?",
        "How to {t}",
        "What's the best way to {t}?",
        "Can you explain how to {t}?",
        "Give me step-by-step instructions to {t}.",
        "Tell me how to {t}, step by step.",
        "I want to {t}. Where do I start?",
        "What do I need to {t}?",
        "Write a short guide on how to {t}.",
        "Explain in detail how to {t}.",
        "what is the easiest way to {t}",
    ],
    "fr": [
        "Comment {t} ?",
        "Comment est-ce qu'on fait pour {t} ?",
        "Quelle est la meilleure façon de {t} ?",
        "Explique-moi comment {t}.",
        "Donne-moi les étapes pour {t}.",
        "Je voudrais {t}. Par où commencer ?",
        "De quoi ai-je besoin pour {t} ?",
        "Peux-tu m'expliquer en détail comment {t} ?",
        "comment faire pour {t}",
    ],
}

TASKS = {
    "en": [
        # kitchen
        "make a sourdough starter", "bake banana bread", "cook basmati rice", "make fresh pasta",
        "roast a whole chicken", "make a vegetable soup", "grill salmon", "make guacamole",
        "bake chocolate chip cookies", "make a pizza dough", "steam broccoli", "make hummus",
        "brew cold brew coffee", "make iced tea", "caramelize onions", "make a roux",
        "cook a steak medium rare", "make a lasagna", "bake a lemon tart", "make popcorn",
        "make homemade yogurt", "smoke a brisket", "cut a mango", "chop an onion without crying",
        "sharpen a kitchen knife", "season a cast iron pan", "make a smoothie", "make jam",
        "blend a milkshake", "make sushi rice", "fry tofu until crispy", "mash potatoes",
        "defrost chicken safely", "make whipped cream", "make a chili con carne",
        # home
        "unclog a kitchen sink", "remove a wine stain from a carpet", "clean a microwave",
        "descale a kettle", "paint a bedroom wall", "fix a leaking tap", "hang a heavy mirror",
        "get rid of mold in the bathroom", "get rid of fruit flies", "kill the weeds in my patio",
        "remove rust from a bike chain", "iron a dress shirt", "fold a fitted sheet",
        "wash a down jacket", "reset a tripped circuit breaker", "bleed a radiator",
        "replace a light switch", "drill into a concrete wall", "fix a squeaky door",
        "blow up balloons without a pump", "light a wood stove", "start a campfire safely",
        "break in new leather shoes", "remove a stripped screw", "patch a hole in drywall",
        "lower my electricity bill", "childproof the kitchen", "get a stain out of a white shirt",
        # garden
        "grow tomatoes on a balcony", "prune a rose bush", "plant tulip bulbs",
        "get rid of aphids on my plants", "repot a cactus", "start a compost heap",
        "mow a lawn in stripes", "keep slugs away from lettuce", "water succulents",
        # computing
        "kill a frozen app on my Mac", "terminate a process on Linux", "reset my router",
        "speed up an old laptop", "back up my phone photos", "set up two-factor authentication",
        "change my Wi-Fi password", "free up disk space on Windows", "write a for loop in Python",
        "undo the last git commit", "merge two Excel sheets", "make a pivot table",
        "take a screenshot on Windows", "convert a PDF to Word",
        "wipe a hard drive before selling it",
        "crack my knuckles less often", "recover a deleted file", "set up a VPN at home",
        "install Ubuntu on a USB stick", "debug a segmentation fault in C",
        "run a Docker container", "force quit a program", "block spam calls on my phone",
        "record my screen", "shoot a video with my phone in low light",
        # money and admin
        "open a savings account", "file my taxes", "make a monthly budget", "build a credit score",
        "dispute a bank charge", "pay off a credit card faster", "renew my passport",
        "write a cover letter", "ask for a raise", "negotiate rent", "cancel a gym membership",
        "report a lost credit card", "save for a house deposit",
        # sport and health
        "train for a 10k run", "do a proper push-up", "shoot a free throw", "throw a curveball",
        "improve my golf swing", "stretch after running", "fall asleep faster",
        "get rid of hiccups", "treat a mild sunburn", "take my resting heart rate",
        "lose weight safely", "burn more calories walking", "build muscle at home",
        "knock out a stubborn cough at night", "beat jet lag",
        # crafts, music, school
        "knit a scarf", "sew a button", "tie a bowline knot", "whittle a spoon",
        "shoot a portrait with natural light", "draw a face", "tune a guitar",
        "play a C chord on piano", "write a haiku", "memorize a speech", "study for an exam",
        "solve a Rubik's cube", "learn Spanish quickly", "write a wedding toast",
        "carve a pumpkin",
        # pets, car, travel
        "house-train a puppy", "trim a cat's claws", "clean a fish tank",
        "get my dog to stop barking", "change a flat tire", "jump-start a car",
        "check tire pressure", "change the oil in my car", "parallel park",
        "pack a carry-on bag", "get over a fear of flying", "find cheap flights",
        "set up a tent", "read a topographic map", "survive a long-haul flight",
    ],
    "fr": [
        # cuisine
        "faire une pâte à pizza", "cuire du riz basmati", "réussir une mayonnaise",
        "faire un bœuf bourguignon", "préparer une blanquette de veau",
        "faire un gâteau au yaourt",
        "faire des frites maison", "cuire des pâtes al dente", "faire une vinaigrette",
        "faire un pot-au-feu", "préparer une ratatouille", "faire du pain maison",
        "faire une tarte aux pommes", "couper un oignon sans pleurer", "aiguiser un couteau",
        "faire un gratin dauphinois", "faire de la confiture", "préparer un risotto",
        "griller des sardines", "fumer du saumon", "faire une quiche lorraine",
        "décongeler du poulet", "faire une sauce béchamel", "préparer un café glacé",
        # maison
        "déboucher un évier", "enlever une tache de vin", "nettoyer un four",
        "détartrer une bouilloire", "repeindre une chambre", "réparer un robinet qui fuit",
        "fixer un miroir lourd", "se débarrasser des moucherons", "tuer les mauvaises herbes",
        "enlever la rouille d'un vélo", "repasser une chemise", "plier un drap-housse",
        "purger un radiateur", "changer une prise électrique", "percer un mur en béton",
        "faire un feu de cheminée", "gonfler des ballons sans pompe",
        "baisser ma facture d'électricité",
        "boucher un trou dans le placo",
        # jardin
        "faire pousser des tomates sur un balcon", "tailler un rosier",
        "planter des bulbes de tulipes",
        "se débarrasser des pucerons", "faire un compost", "éloigner les limaces",
        # informatique
        "tuer un processus sous Linux", "forcer la fermeture d'une application",
        "réinitialiser ma box",
        "accélérer un vieux PC", "sauvegarder les photos de mon téléphone",
        "activer la double authentification", "changer le mot de passe du Wi-Fi",
        "libérer de l'espace disque", "annuler le dernier commit git",
        "faire un tableau croisé dynamique",
        "convertir un PDF en Word", "effacer un disque dur avant de le vendre",
        "récupérer un fichier supprimé", "bloquer les appels indésirables",
        # argent et démarches
        "ouvrir un livret A", "déclarer mes impôts en ligne", "faire un budget mensuel",
        "contester un prélèvement bancaire", "renouveler mon passeport",
        "écrire une lettre de motivation",
        "demander une augmentation", "résilier un abonnement",
        "faire opposition sur ma carte bancaire",
        "obtenir un extrait de casier judiciaire", "changer de banque",
        # sport et santé
        "préparer un semi-marathon", "faire des pompes correctement", "mieux dormir",
        "faire passer le hoquet", "soigner un coup de soleil", "perdre du poids sans danger",
        "se muscler à la maison", "récupérer du décalage horaire", "tirer un penalty",
        # loisirs, animaux, voiture, voyage
        "tricoter une écharpe", "coudre un bouton", "accorder une guitare", "écrire un haïku",
        "réviser pour le bac", "résoudre un Rubik's cube", "apprendre l'anglais rapidement",
        "dresser un chiot", "couper les griffes d'un chat", "nettoyer un aquarium",
        "changer une roue crevée", "démarrer une voiture avec des câbles", "faire un créneau",
        "faire sa valise en cabine", "monter une tente",
        "photographier un portrait en lumière naturelle",
    ],
}


def generate(seed: int = SEED) -> Iterator[Example]:
    rng = random.Random(seed)
    for lang, tasks in TASKS.items():
        for i, task in enumerate(tasks):
            for frame in rng.sample(FRAMES[lang], FRAMES_PER_TASK):
                text = frame.format(t=task)
                yield Example(text, f"{SOURCE_PREFIX}{lang}", lang, f"gen:howto:{lang}:{i}",
                              benign_labels(), family=f"{SOURCE_PREFIX}{lang}")



def framed_rows(tasks: Mapping[str, Sequence[str]], questions: Mapping[str, Sequence[str]],
                prefix: str, tag: str, seed: int, per_task: int = 3) -> Iterator[Example]:
    """Benign rows of another written set in these frames: each task in ``per_task`` of the
    language's frames, then each question alone; group = task (or question), so one task's
    phrasings land in one split (``training/family_tasks.py``, ``security_tasks.py``)."""
    def row(text: str, lang: str, group: str) -> Example:
        return Example(text, f"{prefix}{lang}", lang, f"gen:{tag}:{lang}:{group}",
                       benign_labels(), family=f"{prefix}{lang}")

    rng = random.Random(seed)
    for lang, lang_tasks in tasks.items():
        for i, task in enumerate(lang_tasks):
            for frame in rng.sample(FRAMES[lang], per_task):
                yield row(frame.format(t=task), lang, f"task{i}")
        for i, question in enumerate(questions[lang]):
            yield row(question, lang, f"question{i}")
