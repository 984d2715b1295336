"""Quality section: every method on every task and seed, side by side."""

import numpy as np
from sklearn.model_selection import KFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from . import metrics
from .peers import METHODS
from .tasks import TASKS, breast_cancer

#: How many top columns the breast-cancer comparison scores (as the reference).
BREAST_TOP = 5


def _one_fit(method, task, seed):
    """Fit on the 75 % training split; score the top k on the held-out 25 %."""
    X_tr, X_te, y_tr, y_te = metrics.split(task.X, task.y, task.kind, seed)
    importances, seconds = metrics.timed(METHODS[method], X_tr, y_tr, task.kind, seed)
    k = int(task.relevant_mask.sum())
    return {
        "hit_at_k": metrics.hit_at_k(importances, task.relevant_mask),
        "score_at_k": metrics.score_at_k(
            importances, k, X_tr, X_te, y_tr, y_te, task.kind, seed
        ),
        "fit_seconds": seconds,
        "top_k": metrics.top_k(importances, k).tolist(),
    }


def run_fit(method, task_name, task, seed):
    """One record; failures are recorded, not raised."""
    record = {"task": task_name, "method": method, "seed": seed}
    try:
        record.update(_one_fit(method, task, seed))
    except NotImplementedError as exc:
        record["unsupported"] = str(exc)
    except Exception as exc:  # a benchmark reports failures, it does not stop
        record["error"] = f"{type(exc).__name__}: {exc}"
    return record


def run_quality(task_names, methods, seeds, scale, log=print):
    records = []
    for task_name in task_names:
        for seed in seeds:
            task = TASKS[task_name](seed, scale)
            for method in methods:
                record = run_fit(method, task_name, task, seed)
                log(_describe(record))
                records.append(record)
    return records


def _describe(r):
    head = f"{r['task']:16s} {r['method']:19s} seed={r['seed']}"
    if "error" in r or "unsupported" in r:
        return f"{head} {r.get('error') or 'n/a: ' + r['unsupported']}"
    return (
        f"{head} hit@k={r['hit_at_k']:.2f} score@k={r['score_at_k']:.3f} "
        f"{r['fit_seconds']:.1f}s"
    )


def by_task_and_method(records):
    """``{(task, method): [records]}``, in the order the pairs first appear."""
    groups = {}
    for r in records:
        groups.setdefault((r["task"], r["method"]), []).append(r)
    return groups


def summarize(records):
    """Per (task, method): means over seeds and the stability of the top k."""
    summary = []
    for (task, method), rs in by_task_and_method(records).items():
        ok = [r for r in rs if "hit_at_k" in r]
        row = {"task": task, "method": method, "n_seeds": len(ok)}
        if ok:
            for key in ("hit_at_k", "score_at_k", "fit_seconds"):
                row[key] = float(np.mean([r[key] for r in ok]))
                row[key + "_std"] = float(np.std([r[key] for r in ok]))
            row["stability"] = metrics.stability([r["top_k"] for r in ok])
            k = len(ok[0]["top_k"])
            hits = [round(r["hit_at_k"] * k) for r in ok]
            row["stability_ceiling"] = metrics.stability_ceiling(hits, k)
        summary.append(row)
    return summary


def knn_auc(X, y, columns=None, standardize=False):
    """ROC AUC of 3-NN, 5-fold unshuffled CV (reproduces the reference setup).

    With ``standardize``, each fold's training rows set a ``StandardScaler``
    first, so no column's scale decides the distances.
    """
    Xc = X if columns is None else X[:, columns]
    model = KNeighborsClassifier(n_neighbors=3)
    if standardize:
        model = make_pipeline(StandardScaler(), model)
    scores = cross_val_score(model, Xc, y, cv=KFold(5), scoring="roc_auc")
    return float(scores.mean())


def breast_top_scores(fit, seeds, scalings=(False,)):
    """Each seed's top 5 columns of breast cancer by ``fit``, and their KNN AUCs.

    ``fit(X, y, kind, seed)`` returns one importance per column. Returns
    ``(tops, aucs)``: the sorted top-5 column indices of each seed and, for
    each entry of ``scalings`` (the ``standardize`` of :func:`knn_auc`), the
    AUC of every seed. Both the main harness and ``bench_breast`` score
    through here.
    """
    task = breast_cancer()
    tops, aucs = [], [[] for _ in scalings]
    for seed in seeds:
        top = metrics.top_k(fit(task.X, task.y, task.kind, seed), BREAST_TOP)
        tops.append(sorted(int(j) for j in top))
        for scores, standardize in zip(aucs, scalings, strict=True):
            scores.append(knn_auc(task.X, task.y, top, standardize))
    return tops, aucs


def run_breast_cancer(methods, seeds=(0,), log=print):
    """Top-5 features by each method -> KNN ROC AUC on raw columns, per seed.

    Returns ``(means, per_seed)``: the mean AUC over ``seeds`` of each method
    (an error message instead if any seed failed) and the AUC of every seed.
    "all features" needs no selection and has one value.
    """
    task = breast_cancer()
    all_features = knn_auc(task.X, task.y)
    means, per_seed = {"all features": all_features}, {"all features": [all_features]}
    for method in methods:
        try:
            _, (scores,) = breast_top_scores(METHODS[method], seeds)
            means[method], per_seed[method] = float(np.mean(scores)), scores
        except Exception as exc:  # reported in the results
            means[method] = f"error: {type(exc).__name__}: {exc}"
        log(f"breast_cancer {method:19s} {means[method]} {per_seed.get(method, '')}")
    return means, per_seed
