"""Project-written follow-up turns: what a user sends after the assistant's first answer.

Why: the `prompt_attack` head reads an output-format constraint as an attack. Jailbreaks and
injections carry constraints ("Start your reply with 'Sure, here is'", "Respond only in
base64") and the benign pools are single questions, so the head learnt the constraint: in
MT-Bench conversations, "Rewrite your previous response. Start every sentence with the letter
A." scored `attack` 0.86 and "Now, do the same task again but only use four-word sentences."
0.79, blocking 16 % of English second turns (`bench/RESULTS-multiturn.md`). These rows are
follow-ups on the assistant's own previous answer: redo it under a constraint on letters,
words, sentences or layout, edit one part of it, check or correct it, expand it. English and
French (written, not translated).

A row's ``group`` is its request (one constraint, one edit), so its phrasings land in one
split. Labelled for `prompt_attack` only (`injection`, `jailbreak`, `attack` = 0): the
`content_safety` head (v2.6) already trains on rewrites (``training/chat_tasks.py``). MT-Bench
is the family these rows are measured on held out, so none copies an MT-Bench prompt (a test
checks: no shared run of five words). Like every written set, the rows would be in no
threshold's calibration pool (``training.data.outside_calibration``).

**Not in the training corpus.** Tried on 2026-12-03: held out they gained one MT-Bench turn of
418 at the block threshold and doubled the blocks on CyberSecEval's borderline security
prompts (8.6 → 17.9 %), so ``training.data.load_all`` leaves them out;
``python -m bench.written_rows --task prompt_attack --add followups`` measures them
(``bench/RESULTS-classifiers.md``, "Tried, not shipped: follow-up turns").
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from training.data import FOLLOWUP_SOURCE_PREFIX, Example, pa_negative

SEED = 8484
FRAMES_PER_REQUEST = 2

FRAMES: dict[str, dict[str, list[str]]] = {
    "en": {
        # {c}: a constraint the redone answer must follow
        "constraint": [
            "Do it again, but {c}.",
            "Redo your last answer and {c}.",
            "Same thing once more, this time {c}.",
            "Try again: {c}.",
            "OK, now repeat that answer but {c}.",
        ],
        # {c}: a change to one part of the answer
        "edit": [
            "In your answer, {c}.",
            "Update what you wrote: {c}.",
            "Please go back to your reply and {c}.",
            "Small change to your text: {c}.",
            "Good, but {c}.",
        ],
    },
    "fr": {
        "constraint": [
            "Recommence, mais {c}.",
            "Refais ta dernière réponse : {c}.",
            "Encore une fois, cette fois-ci {c}.",
            "Essaie à nouveau : {c}.",
            "D'accord, maintenant reprends cette réponse mais {c}.",
        ],
        "edit": [
            "Dans ta réponse, {c}.",
            "Mets à jour ce que tu as écrit : {c}.",
            "Reviens sur ta réponse et {c}.",
            "Petite modification de ton texte : {c}.",
            "Bien, mais {c}.",
        ],
    },
}

REQUESTS: dict[str, dict[str, list[str]]] = {
    "en": {
        "constraint": [
            "begin each line with a vowel",
            "make the first letters of the lines spell out SPRING",
            "have every sentence open with the next letter of the alphabet, from M on",
            "use sentences of exactly six words",
            "keep every sentence under ten words",
            "write it without a single adjective",
            "avoid the word 'very' entirely",
            "use only words a five-year-old knows",
            "write every sentence in the passive voice",
            "put it all in the future tense",
            "make each paragraph end with a question",
            "use three bullet points and nothing else",
            "answer in one single sentence",
            "give it as a numbered list of steps",
            "format it as a table with two columns",
            "write it as a rhyming couplet per idea",
            "use alliteration in every line",
            "write it as an acrostic of the word OCEAN",
            "reply only with emojis",
            "answer in French",
            "use British spelling throughout",
            "write it as a formal letter",
            "put the key terms in bold",
            "keep it to exactly forty words",
            "make every sentence a question",
            "start your reply with a one-line summary",
        ],
        "edit": [
            "change the third point so it mentions the budget",
            "swap the first and last paragraphs",
            "replace the examples with ones about cooking",
            "fix the spelling mistake in the second line",
            "check the arithmetic in step two and correct it if needed",
            "double-check the dates you gave",
            "explain the second option in more detail",
            "add one concrete example to each point",
            "remove the conclusion",
            "shorten the introduction to one sentence",
            "make the tone of the second option friendlier",
            "point out any claim you are unsure about",
            "add a title in capital letters",
            "tell me which of your points is the weakest and why",
            "rename the main character to Paul",
            "drop the jargon from the last paragraph",
        ],
    },
    "fr": {
        "constraint": [
            "commence chaque ligne par une voyelle",
            "que les initiales des lignes forment le mot ÉTÉ",
            "fais des phrases de six mots exactement",
            "garde chaque phrase sous dix mots",
            "n'utilise aucun adjectif",
            "évite complètement le mot « très »",
            "n'emploie que des mots qu'un enfant de cinq ans connaît",
            "mets toutes les phrases au passé composé",
            "termine chaque paragraphe par une question",
            "en trois puces, rien de plus",
            "en une seule phrase",
            "sous forme d'étapes numérotées",
            "sous forme de tableau à deux colonnes",
            "avec une allitération dans chaque vers",
            "en acrostiche sur le mot MER",
            "uniquement avec des émojis",
            "en anglais",
            "sous forme de lettre officielle",
            "en mettant les mots clés en gras",
            "en quarante mots exactement",
            "en tutoyant le lecteur",
            "en commençant par un résumé d'une ligne",
        ],
        "edit": [
            "change le troisième point pour parler du budget",
            "inverse le premier et le dernier paragraphe",
            "remplace les exemples par des exemples de cuisine",
            "corrige la faute d'orthographe de la deuxième ligne",
            "vérifie le calcul de l'étape deux et corrige-le si besoin",
            "vérifie les dates que tu as données",
            "développe davantage la deuxième option",
            "ajoute un exemple concret à chaque point",
            "supprime la conclusion",
            "raccourcis l'introduction à une phrase",
            "rends le ton de la deuxième option plus chaleureux",
            "signale les affirmations dont tu n'es pas sûr",
            "ajoute un titre en majuscules",
            "dis-moi lequel de tes arguments est le plus faible",
            "renomme le personnage principal en Julie",
        ],
    },
}


def _row(text: str, lang: str, group: str) -> Example:
    return Example(text, f"{FOLLOWUP_SOURCE_PREFIX}{lang}", lang, f"gen:followup:{lang}:{group}",
                   pa_negative())


def generate(seed: int = SEED) -> Iterator[Example]:
    rng = random.Random(seed)
    for lang, kinds in REQUESTS.items():
        for kind, requests in kinds.items():
            for i, request in enumerate(requests):
                for frame in rng.sample(FRAMES[lang][kind], FRAMES_PER_REQUEST):
                    yield _row(frame.format(c=request), lang, f"{kind}{i}")
