"""Breast cancer: the top 5 of every method, scored as the reference scored it.

The original CancelOut example reports, on ``load_breast_cancer``, the
score of the top 5 columns of its CancelOut network (0.951), of
gradient-boosting importances (0.958) and of all columns (0.947).
:func:`benchmarks.quality.reference_auc` is that score (X standardized over
all rows; k-NN with 11, 23 and 3 neighbours; stratified 5-fold ROC AUC of
the predicted labels), and reproduces those numbers. Every method here
ranks the standardized columns, as the reference's did, with seeds 0-4;
gradient boosting uses the reference's 50 trees. A second column scores
the same sets without the all-rows scaling: 3-NN probabilities, scaled
inside each fold.

Run from the repository root::

    python -m benchmarks.bench_breast          # about 2 minutes on 2 cores
    python -m benchmarks.bench_breast --smoke  # < 30 s

Writes ``benchmarks/results/breast.json`` and ``breast.md``.
"""

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import GradientBoostingClassifier

from .peers import CHEAP, METHODS, available
from .quality import breast_top_scores, in_fold_auc, reference_auc
from .report import shown_name, side_benchmark_main
from .tasks import BREAST_CANCER_REFERENCE, breast_cancer

SEEDS = range(5)


def gradient_boosting(X, y, kind, seed):
    """Importances of sklearn's gradient boosting with 50 trees (the reference's)."""
    model = GradientBoostingClassifier(n_estimators=50, random_state=seed)
    return model.fit(X, y).feature_importances_


SCORERS = {"reference": reference_auc, "in-fold 3-NN": in_fold_auc}


def run(smoke=False):
    methods, skipped = available(CHEAP if smoke else tuple(METHODS))
    seeds = range(1) if smoke else SEEDS
    X, y = breast_cancer()[:2]
    rows = [
        {
            "method": "all features",
            **{name: [score(X, y)] for name, score in SCORERS.items()},
        }
    ]
    peers = {**{m: METHODS[m] for m in methods}, "gradient_boosting": gradient_boosting}
    for method, fit in peers.items():
        tops, scores = breast_top_scores(fit, seeds, tuple(SCORERS.values()))
        row = {"method": method, **dict(zip(SCORERS, scores, strict=True)), "top": tops}
        print(
            f"{method:19s} "
            + " ".join(f"{name} {np.mean(row[name]):.4f}" for name in SCORERS),
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
        "# Breast cancer: the top 5, scored as the reference scored it"
        + (" (smoke run)" if smoke else ""),
        "",
        f"Mean over {seed_text}. *reference*: the original CancelOut "
        "example's score (X standardized over all rows; k-NN with 11, 23 and "
        "3 neighbours; stratified 5-fold ROC AUC of the predicted labels), "
        "comparable with its numbers below. *in-fold 3-NN*: 3-NN "
        "probabilities, scaled inside each fold. Regenerate with "
        "`python -m benchmarks.bench_breast`.",
        "",
        "| method | reference | in-fold 3-NN | top 5 sets (column indices) |",
        "|---|---|---|---|",
    ]
    for row in result["rows"]:
        sets = sorted({tuple(t) for t in row.get("top", ())})
        shown = "; ".join(" ".join(map(str, t)) for t in sets) if sets else "all"
        scores = " | ".join(f"{np.mean(row[name]):.4f}" for name in SCORERS)
        lines.append(f"| {shown_name(row['method'])} | {scores} | {shown} |")
    tops = [top for row in result["rows"] for top in row.get("top", ())]
    chosen = sorted({j for top in tops for j in top})
    names = load_breast_cancer().feature_names
    lines += ["", "Columns: " + ", ".join(f"{j} {names[j]}" for j in chosen) + "."]
    lines += ["", "Reference (original CancelOut example):", ""]
    lines += [f"- {name}: {value}" for name, value in BREAST_CANCER_REFERENCE.items()]
    for name, reason in result["skipped"].items():
        lines += ["", f"Skipped {name}: {reason}."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    side_benchmark_main("breast", __doc__.splitlines()[0], run, markdown, argv=argv)


if __name__ == "__main__":
    main()
