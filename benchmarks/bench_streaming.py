"""Streaming selection with ``partial_fit``: drift tracking and cost per batch.

A binary stream of batches whose label depends on features 0, 1, 2 for the
first half and on 3, 4, 5 for the second half (12 standard normal columns).
After every ``partial_fit`` call the mean importance of the new features is
compared with that of the old ones; "batches to overtake" counts the calls
after the change until the new features lead and keep leading to the end.
The same change is also streamed with a regression target (the sum of the
relevant features) and without labels (the relevant features share a latent
factor), with the default parameters.

Also measured, with default parameters: the time of one ``partial_fit`` call
against refitting from scratch on all data seen so far, and how well one
``partial_fit`` pass over a data set agrees with ``fit`` on it (top-k overlap).

Run from the repository root::

    python -m benchmarks.bench_streaming           # full, a few minutes
    python -m benchmarks.bench_streaming --smoke   # < 30 s

Writes ``benchmarks/results/streaming.json`` and ``streaming.md``.
"""

import time

import numpy as np
from sklearn.datasets import make_classification

from skcancelout import CancelOutSelector

from .report import side_benchmark_main

N_FEATURES = 12
OLD, NEW = [0, 1, 2], [3, 4, 5]
# Settings compared on the drifting stream; the first is the library default.
DRIFT_SETTINGS = {
    "default ((32, 32), lr=0.02, alpha=0.01)": {},
    "lr=0.05, alpha=0.05": {"learning_rate_init": 0.05, "alpha": 0.05},
    "learning_rate_init=0.005": {"learning_rate_init": 0.005},
    "hidden_layer_sizes=(32,)": {"hidden_layer_sizes": (32,)},
    "hidden_layer_sizes=(16,)": {"hidden_layer_sizes": (16,)},
}


# Other streams, with the default parameters: the same change of relevant
# features for a regression target, and for selection without labels (the
# columns that share a latent factor move from OLD to NEW).
OTHER_STREAMS = {
    "default, regression target": "regression",
    "default, unsupervised (no y)": "unsupervised",
}


def drift_batch(rng, relevant, batch_rows, kind="classification"):
    X = rng.standard_normal((batch_rows, N_FEATURES))
    if kind == "unsupervised":
        factor = rng.standard_normal((batch_rows, 1))
        X[:, relevant] = factor + 0.3 * X[:, relevant]
        return X, None
    signal = X[:, relevant].sum(axis=1)
    if kind == "regression":
        return X, signal
    return X, (signal > 0).astype(int)


def batches_to_overtake(lead, change):
    """Calls after ``change`` until ``lead`` turns positive for good (None: never)."""
    after = lead[change:]
    negative = np.nonzero(after <= 0)[0]
    if negative.size == 0:
        return 1
    if negative[-1] == after.size - 1:
        return None
    return int(negative[-1] + 2)


def drift(params, seed, n_batches, batch_rows, n_estimators, kind="classification"):
    rng = np.random.default_rng(seed)
    selector = CancelOutSelector(n_estimators=n_estimators, random_state=seed, **params)
    change = n_batches // 2
    lead, seconds = [], []
    classes = {"classes": [0, 1]} if kind == "classification" else {}
    for t in range(n_batches):
        X, y = drift_batch(rng, OLD if t < change else NEW, batch_rows, kind)
        start = time.perf_counter()
        selector.partial_fit(X, y, **classes)
        seconds.append(time.perf_counter() - start)
        imp = selector.feature_importances_
        lead.append(float(imp[NEW].mean() - imp[OLD].mean()))
    lead = np.array(lead)
    return {
        "batches_to_overtake": batches_to_overtake(lead, change),
        "lead_before_change": float(lead[change - 1]),
        "lead_at_end": float(lead[-1]),
        "partial_fit_seconds_mean": float(np.mean(seconds[1:])),
        "lead_curve": lead.tolist(),
    }


def cost(seed, n_batches, batch_rows, refit_at):
    """Seconds of one partial_fit call vs a full default fit on all rows so far."""
    rng = np.random.default_rng(seed)
    selector = CancelOutSelector(random_state=seed)
    seen_X, seen_y, rows = [], [], []
    for t in range(1, n_batches + 1):
        X, y = drift_batch(rng, OLD, batch_rows)
        seen_X.append(X)
        seen_y.append(y)
        start = time.perf_counter()
        selector.partial_fit(X, y, classes=[0, 1])
        step = time.perf_counter() - start
        if t in refit_at:
            start = time.perf_counter()
            refitted = CancelOutSelector(random_state=seed).fit(
                np.vstack(seen_X), np.hstack(seen_y)
            )
            refit = time.perf_counter() - start
            rows.append(
                {
                    "batches_seen": t,
                    "rows_seen": t * batch_rows,
                    "partial_fit_seconds": step,
                    "refit_seconds": refit,
                    # A refit stops when its loss stalls: the ratio grows
                    # with rows and with the epochs each refit ran.
                    "refit_epochs": refitted.n_iter_,
                    "refit_over_partial_fit": refit / step,
                }
            )
    return rows


def one_pass_agreement(seed, n_samples, batch_rows):
    """Top-k overlap of fit vs one partial_fit pass over the same rows."""
    k = 4
    X, y = make_classification(
        n_samples=n_samples,
        n_features=20,
        n_informative=k,
        n_redundant=0,
        shuffle=False,
        class_sep=1.5,
        random_state=seed,
    )
    params = {"n_estimators": 4, "random_state": seed, "batch_size": 32}
    full = CancelOutSelector(**params).fit(X, y).feature_importances_
    streamed = CancelOutSelector(**params)
    for start in range(0, n_samples, batch_rows):
        stop = start + batch_rows
        streamed.partial_fit(X[start:stop], y[start:stop], classes=[0, 1])
    stream = streamed.feature_importances_
    top_full = set(np.argsort(-full)[:k].tolist())
    top_stream = set(np.argsort(-stream)[:k].tolist())
    truth = set(range(k))
    return {
        "seed": seed,
        "top_k_overlap": len(top_full & top_stream) / k,
        "fit_hit_at_k": len(top_full & truth) / k,
        "partial_fit_hit_at_k": len(top_stream & truth) / k,
    }


def run(smoke):
    seeds = range(1) if smoke else range(3)
    n_batches = 20 if smoke else 80
    settings = dict(list(DRIFT_SETTINGS.items())[-1:]) if smoke else DRIFT_SETTINGS
    drift_rows = []
    for name, params in settings.items():
        for seed in seeds:
            row = drift(params, seed, n_batches, 200, 2 if smoke else 8)
            drift_rows.append({"setting": name, "seed": seed, **row})
            print(name, seed, row["batches_to_overtake"], flush=True)
    for name, kind in OTHER_STREAMS.items():
        for seed in seeds:
            row = drift({}, seed, n_batches, 200, 2 if smoke else 8, kind)
            drift_rows.append({"setting": name, "seed": seed, **row})
            print(name, seed, row["batches_to_overtake"], flush=True)
    refit_at = (2,) if smoke else (10, 40, 80)
    costs = cost(0, max(refit_at), 200, refit_at)
    agreement = [
        one_pass_agreement(seed, 600 if smoke else 3000, 200)
        for seed in (range(1) if smoke else range(5))
    ]
    return {
        "n_batches": n_batches,
        "batch_rows": 200,
        "drift": drift_rows,
        "cost": costs,
        "one_pass": agreement,
    }


def markdown(result, smoke):
    lines = [
        "# Streaming with partial_fit" + (" (smoke run)" if smoke else ""),
        "",
        f"Drift: {result['n_batches']} batches of {result['batch_rows']} rows, "
        "relevant features change from {0,1,2} to {3,4,5} half-way. "
        "Regenerate with `python -m benchmarks.bench_streaming`.",
        "",
        "| setting | batches to overtake (per seed) | lead at end "
        "| s per partial_fit |",
        "|---|---|---|---|",
    ]
    by_setting = {}
    for row in result["drift"]:
        by_setting.setdefault(row["setting"], []).append(row)
    for name, rows in by_setting.items():
        overtakes = ", ".join(
            "never"
            if r["batches_to_overtake"] is None
            else str(r["batches_to_overtake"])
            for r in rows
        )
        lead = np.mean([r["lead_at_end"] for r in rows])
        seconds = np.mean([r["partial_fit_seconds_mean"] for r in rows])
        lines.append(f"| {name} | {overtakes} | {lead:+.2f} | {seconds:.3f} |")
    lines += [
        "",
        "Cost with default parameters: one partial_fit call vs fit from scratch "
        "on all rows seen so far.",
        "",
        "| batches seen | rows | partial_fit s | refit s | refit epochs | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for c in result["cost"]:
        lines.append(
            f"| {c['batches_seen']} | {c['rows_seen']} | {c['partial_fit_seconds']:.3f}"
            f" | {c['refit_seconds']:.2f} | {c.get('refit_epochs', '?')}"
            f" | {c['refit_over_partial_fit']:.0f}x |"
        )
    lines += [
        "",
        "A refit stops when its loss stalls, so its time grows with the rows "
        "and with the epochs it ran; a partial_fit call is one epoch over one "
        "batch. Each time is a single timing.",
    ]
    one = result["one_pass"]
    lines += [
        "",
        "One partial_fit pass (batches of 200, batch_size=32) vs fit (100 epochs) "
        "on make_classification, 20 features, 4 informative; mean over seeds:",
        "",
        "| top-k overlap | fit hit@k | one-pass hit@k |",
        "|---|---|---|",
        f"| {np.mean([o['top_k_overlap'] for o in one]):.2f} "
        f"| {np.mean([o['fit_hit_at_k'] for o in one]):.2f} "
        f"| {np.mean([o['partial_fit_hit_at_k'] for o in one]):.2f} |",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None):
    side_benchmark_main("streaming", __doc__.splitlines()[0], run, markdown, argv=argv)


if __name__ == "__main__":
    main()
