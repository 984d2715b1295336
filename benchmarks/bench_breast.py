"""Breast cancer: KNN ROC AUC of every top 5, on raw and standardized columns.

The comparison with the original CancelOut work (``benchmarks.run`` reports
it too) scores the top 5 columns of ``load_breast_cancer`` with a
3-nearest-neighbour classifier on the *raw* columns, as the reference did.
Raw breast-cancer columns differ in scale by four orders of magnitude, so
the distances are set almost entirely by the largest-scale column among the
five. This side benchmark scores the same top 5 sets twice: on raw columns
(the reference's setup) and standardized inside each fold, where every
chosen column counts. Gradient-boosting importances, the reference's own
peer, are computed in the same run.

Run from the repository root::

    python -m benchmarks.bench_breast          # about 2 minutes on 2 cores
    python -m benchmarks.bench_breast --smoke  # < 30 s

Writes ``benchmarks/results/breast.json`` and ``breast.md``.
"""

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import GradientBoostingClassifier

from .peers import CHEAP, METHODS, available
from .quality import breast_top_scores, knn_auc
from .report import side_benchmark_main
from .tasks import BREAST_CANCER_REFERENCE, breast_cancer

SEEDS = range(5)


def gradient_boosting(X, y, kind, seed):
    """Importances of sklearn's gradient boosting with its defaults."""
    return GradientBoostingClassifier(random_state=seed).fit(X, y).feature_importances_


def run(smoke=False):
    methods, skipped = available(CHEAP if smoke else tuple(METHODS))
    seeds = range(1) if smoke else SEEDS
    scorers = {"raw": False, "standardized": True}
    X, y = breast_cancer()[:2]
    rows = [
        {
            "method": "all features",
            **{name: [knn_auc(X, y, None, std)] for name, std in scorers.items()},
        }
    ]
    peers = {**{m: METHODS[m] for m in methods}, "gradient_boosting": gradient_boosting}
    for method, fit in peers.items():
        tops, aucs = breast_top_scores(fit, seeds, tuple(scorers.values()))
        row = {"method": method, **dict(zip(scorers, aucs, strict=True)), "top": tops}
        print(
            f"{method:19s} raw {np.mean(row['raw']):.4f} "
            f"standardized {np.mean(row['standardized']):.4f}",
            flush=True,
        )
        rows.append(row)
    return {"seeds": list(seeds), "skipped": skipped, "rows": rows}


def markdown(result, smoke):
    seeds = result["seeds"]
    seed_text = (
        f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]}-{seeds[-1]}"
    )
    lines = [
        "# Breast cancer: KNN ROC AUC of the top 5" + (" (smoke run)" if smoke else ""),
        "",
        f"Mean over {seed_text} of the 5-fold ROC AUC of 3-NN on "
        "each method's top 5 columns, on the raw columns (the reference's "
        "setup) and standardized inside each fold. Regenerate with "
        "`python -m benchmarks.bench_breast`.",
        "",
        "| method | raw | standardized | top 5 sets (column indices) |",
        "|---|---|---|---|",
    ]
    for row in result["rows"]:
        sets = sorted({tuple(t) for t in row.get("top", ())})
        shown = "; ".join(" ".join(map(str, t)) for t in sets) if sets else "all"
        lines.append(
            f"| {row['method']} | {np.mean(row['raw']):.4f} | "
            f"{np.mean(row['standardized']):.4f} | {shown} |"
        )
    tops = [top for row in result["rows"] for top in row.get("top", ())]
    chosen = sorted({j for top in tops for j in top})
    names = load_breast_cancer().feature_names
    lines += ["", "Columns: " + ", ".join(f"{j} {names[j]}" for j in chosen) + "."]
    lines += ["", "Reference (original CancelOut work, raw columns):", ""]
    lines += [f"- {name}: {value}" for name, value in BREAST_CANCER_REFERENCE.items()]
    for name, reason in result["skipped"].items():
        lines += ["", f"Skipped {name}: {reason}."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    side_benchmark_main("breast", __doc__.splitlines()[0], run, markdown, argv=argv)


if __name__ == "__main__":
    main()
