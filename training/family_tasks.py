"""Project-written requests from parents, teachers and carers: hard negatives about children.

Why: the content head learnt that a request which names a child is close to the public sets'
`sexual/minors` and `harmful` rows. v2.6 blocked "How to make slime with kids" (`harmful`
0.80), "Fun science experiments to do with kids" (0.73), "How can I keep my children safe
online?" (0.74, `sexual/minors` 0.80) and "Comment apprendre à mon fils à nager ?" (0.55), and
flagged "How do I potty train my toddler?" (`sexual/minors` 0.76): 5 of 28 such probes blocked.
Parents and teachers ask assistants about children every day; the benign pools (search queries,
banking intents, chat tasks, medical questions) hardly hold such requests. These rows put
parenting, schooling, play, health and child-safety tasks (how to report abuse, how to talk
about body safety: what a protective parent asks) into the how-to frames of
``training/everyday.py`` and into questions of their own, in English and French. All labels 0.

A row's ``group`` is its task, so one task's phrasings land in one split and validation holds
tasks the head never saw. The tasks of the hand-written probes (slime, science experiments,
safety online, swimming, potty training, bedtime stories, puberty ...:
``tests/ml/test_family_tasks.py``) are left out on purpose: they stay a check of what the rows
taught. Like every written set, the rows are in no threshold's calibration pool
(``training.data.outside_calibration``).
"""

from __future__ import annotations

from collections.abc import Iterator

from training.data import FAMILY_SOURCE_PREFIX, Example
from training.everyday import framed_rows

SEED = 8484
FRAMES_PER_TASK = 3
SOURCE_PREFIX = FAMILY_SOURCE_PREFIX  # + language

TASKS = {
    "en": [
        # everyday care
        "get my baby to sleep through the night", "wean my baby off the bottle",
        "introduce solid food to my six-month-old", "cut my toddler's nails without a fight",
        "get my kids to eat more vegetables", "handle my toddler's tantrums in public",
        "get my children to brush their teeth", "make my teenager get up in the morning",
        "soothe a teething baby", "dress my kids for a snowy day",
        "choose a car seat for a newborn", "childproof the stairs",
        "stop my son from biting other kids at daycare", "treat head lice on my daughter",
        "take my child's temperature", "give my kid medicine he refuses to swallow",
        "help my daughter with her fear of the dark", "get my kids to do their chores",
        # school and learning
        "teach my son to read", "teach my son to tell the time",
        "prepare my child for the first day of school", "teach kids to tie their shoelaces",
        "help my teenager study for final exams", "teach my students about fractions",
        "keep a class of ten-year-olds focused", "explain photosynthesis to a child",
        "teach my kids to count money", "help a shy student speak in class",
        "help my teenager choose a university", "teach children basic first aid",
        "plan a field trip for a primary school class", "explain the solar system to kids",
        "teach my kids a second language at home", "grade essays by middle school students",
        # play and activities
        "build a blanket fort with my kids", "organise a treasure hunt for children",
        "plan a sleepover for my daughter's friends", "entertain kids on a long car trip",
        "teach my son to play chess",
        "make paper airplanes with children", "set up a lemonade stand with my kids",
        "plan a picnic with toddlers", "make a kite with my children",
        "find a summer camp for my kids",
        "start a vegetable garden with children", "make a cardboard castle with kids",
        # growing up, feelings, family
        "talk to my kids about divorce", "help my child make friends",
        "support my son who is being bullied at school",
        "teach my children about money and saving", "help my teenager through a breakup",
        "prepare my son for a new baby sister", "help my adopted child feel at home",
        # child safety
        "teach my kids what to do if they get lost", "talk to my child about body safety",
        "recognise the signs that a child is being abused", "report child abuse",
        "choose a safe babysitter", "set parental controls on a tablet",
        "teach my children to cross the road safely", "make my pool safe for toddlers",
        "teach my kids not to open the door to strangers",
    ],
    "fr": [
        # soins du quotidien
        "faire dormir mon bébé toute la nuit", "sevrer mon bébé du biberon",
        "commencer la diversification alimentaire", "couper les ongles de mon bambin",
        "faire manger des légumes à mes enfants", "gérer les colères de mon fils de deux ans",
        "apprendre à mes enfants à se brosser les dents", "réveiller mon ado le matin",
        "soulager un bébé qui fait ses dents", "habiller mes enfants pour la neige",
        "choisir un siège auto pour un nouveau-né", "sécuriser l'escalier pour un bébé",
        "traiter les poux de ma fille", "prendre la température de mon enfant",
        "faire prendre un médicament à un enfant qui refuse",
        "aider ma fille qui a peur du noir", "faire participer mes enfants aux tâches ménagères",
        # école
        "apprendre à lire à mon fils", "apprendre à mon fils à lire l'heure",
        "préparer mon enfant à la rentrée en CP", "apprendre à un enfant à faire ses lacets",
        "aider mon ado à réviser le brevet", "expliquer les fractions à des élèves de CM1",
        "garder l'attention d'une classe de CE2", "expliquer la photosynthèse à un enfant",
        "aider un élève timide à prendre la parole", "aider mon ado à choisir ses études",
        "apprendre les gestes de premiers secours aux enfants",
        "organiser une sortie scolaire", "expliquer le système solaire aux enfants",
        # jeux et activités
        "construire une cabane en couvertures avec mes enfants",
        "organiser une chasse au trésor pour des enfants",
        "organiser une soirée pyjama pour ma fille",
        "occuper les enfants pendant un long trajet en voiture",
        "apprendre les échecs à mon fils", "fabriquer des avions en papier avec des enfants",
        "faire un pique-nique avec des tout-petits", "fabriquer un cerf-volant avec mes enfants",
        "trouver une colonie de vacances pour mes enfants",
        "faire un potager avec des enfants", "fabriquer un château en carton",
        # grandir, émotions, famille
        "parler du divorce à mes enfants", "aider mon enfant à se faire des amis",
        "soutenir mon fils harcelé à l'école", "apprendre à mes enfants à économiser",
        "aider mon ado après une rupture", "préparer mon fils à l'arrivée d'une petite sœur",
        # sécurité des enfants
        "apprendre à mes enfants quoi faire s'ils se perdent",
        "parler à mon enfant de son intimité et de son corps",
        "reconnaître les signes de maltraitance chez un enfant",
        "signaler un enfant maltraité", "choisir une baby-sitter de confiance",
        "activer le contrôle parental sur une tablette",
        "apprendre à mes enfants à traverser la rue", "sécuriser ma piscine pour les petits",
    ],
}

QUESTIONS = {
    "en": [
        "Is it normal for a three-year-old to still wake up at night?",
        "What time should a ten-year-old go to bed?",
        "Which board games are good for a family with young kids?",
        "My daughter wants a sleepover party. How many kids should we invite?",
        "What are good chores for a six-year-old?",
        "Should I let my twelve-year-old walk to school alone?",
        "How many hours a day should a baby nap?",
        "What should a first aid kit for a family with children contain?",
        "Write a short poem for my daughter's graduation from kindergarten.",
        "What are signs that my child needs glasses?",
        "How can teachers spot a child who is being neglected at home?",
        "Give me ideas for a school play for children aged 7 to 9.",
    ],
    "fr": [
        "Est-ce normal qu'un enfant de trois ans se réveille encore la nuit ?",
        "À quelle heure un enfant de dix ans doit-il se coucher ?",
        "Quels jeux de société pour une famille avec de jeunes enfants ?",
        "Quelles tâches ménagères confier à un enfant de six ans ?",
        "Dois-je laisser mon fils de douze ans aller seul à l'école ?",
        "Combien d'heures de sieste pour un bébé de un an ?",
        "Que mettre dans une trousse de secours pour une famille avec des enfants ?",
        "Écris un petit poème pour la fin de maternelle de ma fille.",
        "Quels signes montrent qu'un enfant a besoin de lunettes ?",
        "Comment un enseignant peut-il repérer un enfant négligé à la maison ?",
        "Donne-moi des idées de spectacle de fin d'année pour des enfants de 7 à 9 ans.",
    ],
}


def generate(seed: int = SEED) -> Iterator[Example]:
    return framed_rows(TASKS, QUESTIONS, SOURCE_PREFIX, "family", seed, FRAMES_PER_TASK)
