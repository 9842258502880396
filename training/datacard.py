"""Data card of the training corpus: rows per source, language, label and split (markdown).

python -m training.datacard > /tmp/datacard.md
"""

from __future__ import annotations

from collections import Counter, defaultdict

from training.data import load_all


def _kind(labels: dict[str, int]) -> str:
    pos = sorted(k for k, v in labels.items() if v == 1)
    if not pos:
        return "benign" if labels else "unlabelled"
    if "attack" in pos:
        return "attack" + ("+harmful" if "harmful" in pos else "")
    return "harmful" if "harmful" in pos else "+".join(pos)


def main() -> None:
    ex = load_all()
    rows: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for e in ex:
        c = rows[(e.family, e.source)]
        c[f"lang:{e.lang}"] += 1
        c[f"kind:{_kind(e.labels)}"] += 1
        c[f"split:{e.split}"] += 1
        c["n"] += 1
    print("| family | source | rows | train / val / test | languages | labels |")
    print("|---|---|---|---|---|---|")
    for (fam, src), c in sorted(rows.items()):
        langs = ", ".join(f"{k[5:]} {v}" for k, v in sorted(c.items()) if k.startswith("lang:"))
        kinds = ", ".join(f"{k[5:]} {v}" for k, v in sorted(c.items()) if k.startswith("kind:"))
        split = f"{c['split:train']} / {c['split:val']} / {c['split:test']}"
        print(f"| {fam} | {src} | {c['n']} | {split} | {langs} | {kinds} |")
    total = Counter(e.lang for e in ex)
    kinds = Counter(_kind(e.labels) for e in ex)
    print(f"\nTotal {len(ex)} rows; languages {dict(total.most_common())}; {dict(kinds)}")


if __name__ == "__main__":
    main()
