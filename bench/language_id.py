"""Language identification: accuracy, speed and memory of the candidate libraries.

Data: xsafety-multilingual (../shared/data), the same prompts in 10 languages; each prompt is
scored whole and cut to its first 4 words (chat turns are often that short). Each library runs
in its own process so its memory is measured alone.

    nice -n 10 python bench/language_id.py [--per-lang 100]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "xsafety-multilingual"
CODES = {"ar": "ar", "bn": "bn", "de": "de", "en": "en", "fr": "fr", "hi": "hi", "ja": "ja",
         "ru": "ru", "sp": "es", "zh": "zh"}
FILES = ("Insult", "Goal_Hijacking", "Mental_Health")


def load(per_lang: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for folder, code in CODES.items():
        texts: list[str] = []
        for stem in FILES:
            for path in sorted((DATA / folder).glob(f"{stem}*.csv")):
                with path.open(encoding="utf-8-sig") as fh:
                    texts.extend(r[0].strip() for r in csv.reader(fh) if r and r[0].strip())
        rows.extend((code, t) for t in texts[:per_lang])
    return rows


def run_one(lib: str, per_lang: int) -> dict[str, object]:
    rows = load(per_lang)
    short = [(c, " ".join(t.split()[:4])) for c, t in rows if c not in ("ja", "zh")]
    t0 = time.perf_counter()
    if lib == "lingua":
        from lingua import LanguageDetectorBuilder

        det = LanguageDetectorBuilder.from_all_languages().build()

        def ident(text: str) -> str:
            lang = det.detect_language_of(text)
            return lang.iso_code_639_1.name.lower() if lang is not None else "?"
    else:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

        def ident(text: str) -> str:
            return str(model.classify(text)[0])
    ident("warm up")
    load_s = time.perf_counter() - t0
    out: dict[str, object] = {"library": lib, "load_s": round(load_s, 2)}
    for name, data in (("full", rows), ("4_words", short)):
        t = time.perf_counter()
        hits = sum(ident(text) == code for code, text in data)
        out[f"{name}_accuracy"] = round(hits / len(data), 3)
        out[f"{name}_ms_per_text"] = round((time.perf_counter() - t) / len(data) * 1000, 3)
        out[f"{name}_n"] = len(data)
    out["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-lang", type=int, default=100)
    parser.add_argument("--lib", choices=("lingua", "py3langid"))
    args = parser.parse_args()
    if args.lib:
        print(json.dumps(run_one(args.lib, args.per_lang)))
        return
    for lib in ("py3langid", "lingua"):
        cmd = [sys.executable, __file__, "--lib", lib, "--per-lang", str(args.per_lang)]
        print(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
