"""Feature-ranking methods, run side by side.

Each method is ``method(X, y, kind, seed) -> importances`` of shape
``(n_features,)``; higher means more important. ``kind`` is
``"classification"`` or ``"regression"`` (a 2-D ``y`` means several targets).
Methods whose package is missing are reported by :func:`available` and skipped.

Peers that only draw from torch's global generator (LassoNet's ``torch_seed``,
STG) are run inside :func:`torch.random.fork_rng`, so seeding them for
reproducibility leaves the caller's global RNG untouched.
"""

import collections
import collections.abc
import contextlib
import importlib.util

import numpy as np
import torch
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.feature_selection import (
    f_classif,
    f_regression,
    mutual_info_classif,
    mutual_info_regression,
)
from sklearn.linear_model import LogisticRegression, lasso_path
from sklearn.preprocessing import StandardScaler
from sklearn.svm import l1_min_c

from . import metrics
from .original_cancelout import original_cancelout

# Budget for LassoNet (its defaults run for thousands of epochs; at its
# defaults, bench_lassonet); see README.md.
LASSONET_HIDDEN = (32,)
LASSONET_N_ITERS = (50, 5)
LASSONET_PATIENCE = (5, 2)
LASSONET_PATH_MULTIPLIER = 1.2
# STG's fit has no default epoch count; its penalty is the package default
# lam=0.1 (the 0.5 of an earlier harness, from STG's example, kept it from
# solving circles and hastie at any epoch count).
STG_EPOCHS = 1000
STG_LAM = 0.1
STG_MAX_BATCH = 512
N_PATH_STEPS = 20


def settings():
    """What the main table's peers ran with, for the report."""
    return {
        "lassonet": (
            f"reduced budget: hidden {LASSONET_HIDDEN}, n_iters "
            f"{LASSONET_N_ITERS}, patience {LASSONET_PATIENCE}, path multiplier "
            f"{LASSONET_PATH_MULTIPLIER} (its package defaults: lassonet.md)"
        ),
        "original_cancelout": (
            "as published: MLP(d, d+10, d+10) ReLU, gate init 4, Adam lr 0.005, "
            "batch 32, 100 epochs, penalty 0.001 * sum(sigmoid(w)) - 0.001 * "
            "var(w), ranked by raw w; X (and a continuous y) standardized over "
            "the training rows first, which the description leaves open"
        ),
        "stg": (
            f"lam={STG_LAM} (package default), {STG_EPOCHS} epochs, hidden "
            "[60, 20] tanh, SGD lr 0.1, sigma 0.5, batch up to "
            f"{STG_MAX_BATCH}"
        ),
    }


def _standardized(X):
    return StandardScaler().fit_transform(X)


def _path_importance(coef_path):
    """Rank by how early a feature enters an L1 path.

    ``coef_path`` is ``(n_steps, n_features)`` from strongest to weakest
    penalty. Importance = number of steps the feature is active, plus its
    final magnitude scaled into [0, 1) to break ties.
    """
    magnitude = np.abs(coef_path)
    active_steps = (magnitude > 0).sum(axis=0)
    final = magnitude[-1]
    return active_steps + final / (1.0 + final.max())


def random_forest(X, y, kind, seed):
    cls = RandomForestClassifier if kind == "classification" else RandomForestRegressor
    forest = cls(n_estimators=200, n_jobs=-1, random_state=seed)
    return forest.fit(X, y).feature_importances_


def mutual_info(X, y, kind, seed):
    if kind == "classification":
        return mutual_info_classif(X, y, random_state=seed)
    targets = np.asarray(y).reshape(len(y), -1).T
    return np.mean(
        [mutual_info_regression(X, t, random_state=seed) for t in targets], axis=0
    )


def f_test(X, y, kind, seed):
    """Univariate F statistic: ANOVA across the classes, or the linear fit
    for each target (several targets: the mean). Not random; ``seed`` unused.
    skcancelout's combined importance uses the same tests' p-values."""
    if kind == "classification":
        return np.nan_to_num(f_classif(X, y)[0])
    targets = np.asarray(y).reshape(len(y), -1).T
    return np.mean([np.nan_to_num(f_regression(X, t)[0]) for t in targets], axis=0)


def _l1_logistic_path(X, y, seed):
    base_c = l1_min_c(X, y, loss="log")
    model = LogisticRegression(
        C=base_c,
        l1_ratio=1.0,
        solver="liblinear",
        warm_start=True,
        max_iter=500,
        random_state=seed,
    )
    coefs = []
    for c in base_c * np.logspace(0, 3, N_PATH_STEPS):
        model.set_params(C=c).fit(X, y)
        coefs.append(np.abs(model.coef_).sum(axis=0))
    return np.array(coefs)


def l1_linear(X, y, kind, seed):
    """Entry order along an L1 path (logistic for classes, Lasso otherwise).

    Several classes: one-vs-rest paths, importances summed.
    """
    Xs = _standardized(X)
    if kind == "classification":
        classes = np.unique(y)
        targets = [y == classes[1]] if len(classes) == 2 else [y == c for c in classes]
        paths = [_path_importance(_l1_logistic_path(Xs, t, seed)) for t in targets]
        return np.sum(paths, axis=0)
    y2 = np.asarray(y, dtype=float)
    y2 = (y2 - y2.mean(axis=0)) / y2.std(axis=0)
    _, coefs, _ = lasso_path(Xs, y2, alphas=N_PATH_STEPS * 2)
    # (n_features, n_alphas) or (n_targets, n_features, n_alphas)
    coefs = np.abs(coefs).sum(axis=0) if coefs.ndim == 3 else coefs
    return _path_importance(coefs.T)


@contextlib.contextmanager
def _torch_seeded(seed):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        yield


def _on_peer_threads(method):
    """``method`` run on ``metrics.PEER_TORCH_THREADS`` torch threads."""

    def run(X, y, kind, seed):
        with metrics.peer_threads():
            return method(X, y, kind, seed)

    run.__name__, run.__doc__ = method.__name__, method.__doc__
    return run


#: The harness's LassoNet budget; ``lassonet_path(..., budget={})`` runs the
#: package's own defaults instead (``benchmarks.bench_lassonet``).
LASSONET_BUDGET = {
    "hidden_dims": LASSONET_HIDDEN,
    "n_iters": LASSONET_N_ITERS,
    "patience": LASSONET_PATIENCE,
    "path_multiplier": LASSONET_PATH_MULTIPLIER,
}


def lassonet(X, y, kind, seed):
    """Lambda at which each feature leaves the LassoNet path (``path()``)."""
    return lassonet_path(X, y, kind, seed, LASSONET_BUDGET)


def lassonet_path(X, y, kind, seed, budget):
    """:func:`lassonet` with the LassoNet parameters ``budget``."""
    from lassonet import LassoNetClassifier, LassoNetRegressor

    cls = LassoNetClassifier if kind == "classification" else LassoNetRegressor
    model = cls(verbose=0, random_state=seed, torch_seed=seed, device="cpu", **budget)
    Xs = _standardized(X).astype(np.float32)
    if kind == "classification":
        y2 = np.unique(y, return_inverse=True)[1]
    else:
        y2 = _standardized(np.reshape(y, (len(y), -1)))
    with _torch_seeded(seed):
        model.path(Xs, y2, disable_lambda_warning=True)
    importances = model.feature_importances_.numpy().astype(np.float64)
    # A feature still in the model when the path stops never left it.
    finite = importances[np.isfinite(importances)]
    ceiling = 2.0 * finite.max() if finite.size else 1.0
    return np.where(np.isfinite(importances), importances, ceiling)


def _import_stg():
    # stg 0.1.2 imports collections.Sequence & co., removed in Python 3.10.
    for name in ("Sequence", "Mapping", "Iterable", "Set"):
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
    from stg import STG

    return STG


def stg(X, y, kind, seed):
    """Learned gate means ``mu`` of Stochastic Gates (higher = kept)."""
    STG = _import_stg()
    Xs = _standardized(X).astype(np.float32)
    if kind == "classification":
        y2 = np.unique(y, return_inverse=True)[1]
        n_outputs = int(y2.max()) + 1
    elif np.ndim(y) > 1:
        raise NotImplementedError("STG supports a single regression target only")
    else:
        y2 = _standardized(np.reshape(y, (-1, 1))).astype(np.float32)
        n_outputs = 1
    with _torch_seeded(seed):
        model = STG(
            task_type=kind,
            input_dim=Xs.shape[1],
            output_dim=n_outputs,
            hidden_dims=[60, 20],
            activation="tanh",
            optimizer="SGD",
            learning_rate=0.1,
            batch_size=min(len(Xs), STG_MAX_BATCH),
            sigma=0.5,
            lam=STG_LAM,
            device="cpu",
        )
        model.fit(Xs, y2, nr_epochs=STG_EPOCHS, verbose=False, shuffle=True)
    return model.get_gates(mode="raw").astype(np.float64)


def cancelout_selector(X, y, kind, seed):
    """skcancelout with its defaults (X passed as is, no scaling)."""
    from skcancelout import CancelOutSelector

    return CancelOutSelector(random_state=seed).fit(X, y).feature_importances_


METHODS = {
    "random_forest": random_forest,
    "mutual_info": mutual_info,
    "f_test": f_test,
    "l1_linear": l1_linear,
    "lassonet": _on_peer_threads(lassonet),
    "stg": _on_peer_threads(stg),
    "original_cancelout": _on_peer_threads(original_cancelout),
    "skcancelout": cancelout_selector,
}

#: Package each optional method needs.
REQUIRES = {"lassonet": "lassonet", "stg": "stg", "skcancelout": "skcancelout"}

#: Methods cheap enough for the smoke run.
CHEAP = (
    "random_forest",
    "mutual_info",
    "f_test",
    "l1_linear",
    "original_cancelout",
    "skcancelout",
)


def _importable(module):
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def available(names):
    """Split ``names`` into (runnable, {skipped name: reason})."""
    runnable, skipped = [], {}
    for name in names:
        module = REQUIRES.get(name)
        if module is None or _importable(module):
            runnable.append(name)
        else:
            skipped[name] = f"package {module!r} is not installed"
    return runnable, skipped
