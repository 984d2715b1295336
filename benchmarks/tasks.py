"""Feature-selection tasks with a known answer.

Each task is a function ``task(seed, scale=1.0) -> Task`` where ``Task`` holds
``(X, y, relevant_mask, kind)``. ``kind`` is ``"classification"`` or
``"regression"`` (a 2-D ``y`` means several regression targets). The columns are
shuffled by a permutation fixed per task (it does not depend on ``seed``), so
position gives nothing away and the same column means the same feature across
seeds, which the stability metric relies on. ``scale`` shrinks ``n`` for the
smoke run.
"""

import zlib
from typing import NamedTuple

import numpy as np
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_wine,
    make_circles,
    make_classification,
    make_friedman1,
    make_hastie_10_2,
    make_regression,
)


class Task(NamedTuple):
    X: np.ndarray
    y: np.ndarray
    relevant_mask: np.ndarray
    kind: str


def _n(n, scale):
    return max(60, int(round(n * scale)))


def _first_k_mask(n_features, k):
    mask = np.zeros(n_features, dtype=bool)
    mask[:k] = True
    return mask


def _fixed_permutation(name, n_features):
    return np.random.default_rng(zlib.crc32(name.encode())).permutation(n_features)


def _shuffled(name, X, y, relevant_mask, kind):
    perm = _fixed_permutation(name, X.shape[1])
    return Task(X[:, perm], y, relevant_mask[perm], kind)


def _with_noise(X, n_noise, rng):
    return np.hstack([X, rng.standard_normal((X.shape[0], n_noise))])


def _with_probes(X, n_probes, rng):
    """Append probes: real columns with their rows permuted (signal destroyed)."""
    sources = np.arange(n_probes) % X.shape[1]
    probes = np.column_stack([rng.permutation(X[:, j]) for j in sources])
    return np.hstack([X, probes])


def parity3(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((_n(3000, scale), 40))
    y = (X[:, 0] * X[:, 1] * X[:, 2] > 0).astype(int)
    return _shuffled("parity3", X, y, _first_k_mask(40, 3), "classification")


def hastie(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    X, y = make_hastie_10_2(n_samples=_n(4000, scale), random_state=seed)
    X = _with_noise(X, 40, rng)
    return _shuffled(
        "hastie", X, y.astype(int), _first_k_mask(50, 10), "classification"
    )


def circles(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    X, y = make_circles(
        n_samples=_n(2000, scale), noise=0.05, factor=0.5, random_state=seed
    )
    X = _with_noise(X, 48, rng)
    return _shuffled("circles", X, y, _first_k_mask(50, 2), "classification")


def friedman1_small(seed, scale=1.0):
    X, y = make_friedman1(
        n_samples=_n(600, scale), n_features=60, noise=1.0, random_state=seed
    )
    return _shuffled("friedman1-small", X, y, _first_k_mask(60, 5), "regression")


def sparse_linear(seed, scale=1.0):
    X, y = make_regression(
        n_samples=_n(400, scale),
        n_features=300,
        n_informative=10,
        shuffle=False,
        random_state=seed,
    )
    return _shuffled("sparse-linear", X, y, _first_k_mask(300, 10), "regression")


def _informative_first(name, n, n_features, n_informative, seed):
    """make_classification with no redundant or repeated columns: only the
    informative ones are relevant."""
    X, y = make_classification(
        n_samples=n,
        n_features=n_features,
        n_informative=n_informative,
        n_redundant=0,
        n_repeated=0,
        shuffle=False,
        random_state=seed,
    )
    mask = _first_k_mask(n_features, n_informative)
    return _shuffled(name, X, y, mask, "classification")


def wide(seed, scale=1.0):
    return _informative_first("wide", _n(200, scale), 2000, 10, seed)


def wine_probes(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    X, y = load_wine(return_X_y=True)
    X = _with_probes(X, 50, rng)
    return _shuffled("wine+probes", X, y, _first_k_mask(63, 13), "classification")


def diabetes_probes(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    X, y = load_diabetes(return_X_y=True)
    X = _with_probes(X, 50, rng)
    return _shuffled("diabetes+probes", X, y, _first_k_mask(60, 10), "regression")


def multi_target(seed, scale=1.0):
    X, y = make_regression(
        n_samples=_n(1000, scale),
        n_features=100,
        n_informative=8,
        n_targets=3,
        shuffle=False,
        random_state=seed,
    )
    return _shuffled("multi-target", X, y, _first_k_mask(100, 8), "regression")


def noisy_classification(seed, scale=1.0):
    """Not in the protocol: a guard against recipes that stop before the gates
    have shut. Its held-out loss is lowest after 1-2 epochs, rises while the
    192 noise gates are open and falls again once they close."""
    return _informative_first("noisy-classification", _n(1000, scale), 200, 8, seed)


TASKS = {
    "parity3": parity3,
    "hastie": hastie,
    "circles": circles,
    "friedman1-small": friedman1_small,
    "sparse-linear": sparse_linear,
    "wide": wide,
    "wine+probes": wine_probes,
    "diabetes+probes": diabetes_probes,
    "multi-target": multi_target,
    "noisy-classification": noisy_classification,
}


def breast_cancer():
    """Breast cancer data for the comparison with the original CancelOut paper.

    The relevant mask is unknown (all ``True``); only the downstream KNN score
    of the top-5 features is compared.
    """
    X, y = load_breast_cancer(return_X_y=True)
    return Task(X, y, np.ones(X.shape[1], dtype=bool), "classification")


#: Breast-cancer scores the original CancelOut example reports (see
#: ``quality.reference_auc``, which computes them the same way).
BREAST_CANCER_REFERENCE = {
    "original CancelOut top-5": 0.951,
    "all features": 0.947,
    "gradient boosting top-5": 0.958,
}
