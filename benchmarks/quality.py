"""Quality section: every method on every task and seed, side by side."""

import numpy as np
from sklearn.metrics import make_scorer, roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
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
    """ROC AUC of 3-NN predicted probabilities, 5-fold unshuffled CV.

    With ``standardize``, each fold's training rows set a ``StandardScaler``
    first, so no column's scale decides the distances and no test row
    informs the scaling.
    """
    Xc = X if columns is None else X[:, columns]
    model = KNeighborsClassifier(n_neighbors=3)
    if standardize:
        model = make_pipeline(StandardScaler(), model)
    scores = cross_val_score(model, Xc, y, cv=KFold(5), scoring="roc_auc")
    return float(scores.mean())


def reference_auc(X, y, columns=None):
    """The score behind the reference's breast-cancer numbers.

    As the original CancelOut example computes it: X standardized over all
    rows, then for 11, 23 and 3 neighbours the mean over unshuffled
    stratified 5-fold CV of the ROC AUC of the *predicted labels*, averaged
    over the three. It reproduces the reference's gradient-boosting top 5
    (0.9583) and CancelOut top 5 (0.9510) to four digits, and all columns
    as 0.9481 (0.9473 reported, an older scikit-learn).
    """
    Xc = StandardScaler().fit_transform(X)
    Xc = Xc if columns is None else Xc[:, columns]
    scorer = make_scorer(roc_auc_score)
    return float(
        np.mean(
            [
                cross_val_score(
                    KNeighborsClassifier(n_neighbors=k),
                    Xc,
                    y,
                    cv=StratifiedKFold(5),
                    scoring=scorer,
                ).mean()
                for k in (11, 23, 3)
            ]
        )
    )


def in_fold_auc(X, y, columns=None):
    """3-NN probability AUC with the scaling learnt inside each fold."""
    return knn_auc(X, y, columns, standardize=True)


def breast_top_scores(fit, seeds, scorers=(reference_auc,)):
    """Each seed's top 5 columns of breast cancer by ``fit``, and their scores.

    ``fit(X, y, kind, seed)`` gets the columns standardized over all rows,
    as the reference's selectors did, and returns one importance per
    column. Returns ``(tops, scores)``: the sorted top-5 column indices of
    each seed and, for each of ``scorers`` (``scorer(X, y, columns)`` on the
    raw columns), the score of every seed. Both the main harness and
    ``bench_breast`` score through here.
    """
    task = breast_cancer()
    X_fit = StandardScaler().fit_transform(task.X)
    tops, scores = [], [[] for _ in scorers]
    for seed in seeds:
        top = metrics.top_k(fit(X_fit, task.y, task.kind, seed), BREAST_TOP)
        tops.append(sorted(int(j) for j in top))
        for values, scorer in zip(scores, scorers, strict=True):
            values.append(scorer(task.X, task.y, top))
    return tops, scores


def run_breast_cancer(methods, seeds=(0,), log=print):
    """Top-5 features by each method -> the reference's KNN score, per seed.

    Returns ``(means, per_seed)``: the mean score over ``seeds`` of each
    method (an error message instead if any seed failed) and the score of
    every seed. "all features" needs no selection and has one value.
    """
    task = breast_cancer()
    all_features = reference_auc(task.X, task.y)
    means, per_seed = {"all features": all_features}, {"all features": [all_features]}
    for method in methods:
        try:
            _, (scores,) = breast_top_scores(METHODS[method], seeds)
            means[method], per_seed[method] = float(np.mean(scores)), scores
        except Exception as exc:  # reported in the results
            means[method] = f"error: {type(exc).__name__}: {exc}"
        log(f"breast_cancer {method:19s} {means[method]} {per_seed.get(method, '')}")
    return means, per_seed
