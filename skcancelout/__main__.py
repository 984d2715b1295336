"""Demo: ``python -m skcancelout``.

Adds 20 pure-noise columns to scikit-learn's breast cancer data, lets
CancelOutSelector pick features, and compares a downstream model's
cross-validated ROC AUC with and without the selection.
"""

import argparse
import time

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._selector import CancelOutSelector


def _data(n_noise, seed):
    data = load_breast_cancer()
    rng = np.random.RandomState(seed)
    noise = rng.normal(size=(data.data.shape[0], n_noise))
    X = np.hstack([data.data, noise])
    names = [*data.feature_names, *(f"noise {i}" for i in range(n_noise))]
    return X, data.target, np.asarray(names)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m skcancelout", description=__doc__)
    parser.add_argument("--noise", type=int, default=20, help="noise columns added")
    parser.add_argument(
        "--max-features", type=int, default=5, help="features the selector keeps"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the noise columns, the selector and the folds (0 to 2**32 - 1)",
    )
    args = parser.parse_args(argv)
    if args.noise < 0:
        parser.error(f"--noise must be 0 or more, got {args.noise}")
    if not 0 <= args.seed < 2**32:
        parser.error(f"--seed must be between 0 and 2**32 - 1, got {args.seed}")
    X, y, names = _data(args.noise, args.seed)
    if not 1 <= args.max_features <= X.shape[1]:
        parser.error(
            f"--max-features must be between 1 and the {X.shape[1]} columns, "
            f"got {args.max_features}"
        )
    print(
        f"breast_cancer: {X.shape[0]} samples, {X.shape[1] - args.noise} real "
        f"features + {args.noise} noise columns"
    )
    selector = CancelOutSelector(max_features=args.max_features, random_state=args.seed)
    start = time.perf_counter()
    selector.fit(X, y)
    elapsed = time.perf_counter() - start
    order = np.argsort(-selector.feature_importances_)
    print(
        f"fit: {elapsed:.2f} s, {selector.n_iter_} epochs, "
        f"{selector.n_estimators} networks"
    )
    print(f"kept {args.max_features} features (importance +- spread over networks):")
    for j in order[: args.max_features]:
        print(
            f"  {names[j]:<26} {selector.feature_importances_[j]:.3f} "
            f"+- {selector.feature_importances_std_[j]:.3f}"
        )
    noise_ranks = [
        rank + 1 for rank, j in enumerate(order) if names[j].startswith("noise")
    ]
    if noise_ranks:
        print(f"best-ranked noise column: #{min(noise_ranks)} of {X.shape[1]}")

    cv = StratifiedKFold(5, shuffle=True, random_state=args.seed)
    knn = make_pipeline(StandardScaler(), KNeighborsClassifier())
    every = cross_val_score(knn, X, y, cv=cv, scoring="roc_auc").mean()
    selected = cross_val_score(
        make_pipeline(StandardScaler(), selector, KNeighborsClassifier()),
        X,
        y,
        cv=cv,
        scoring="roc_auc",
    ).mean()
    print(
        f"KNN ROC AUC, 5-fold CV: all {X.shape[1]} columns {every:.3f} | "
        f"CancelOut top {args.max_features} {selected:.3f} (selection refit per fold)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
