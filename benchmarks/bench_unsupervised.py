"""Unsupervised selection: ``CancelOutSelector.fit(X)`` against label-free baselines.

Data with a known answer: a few latent factors generate the informative
columns (each a loading on 2 or 3 factors plus small noise), the rest are
independent noise. Every column then gets a random scale drawn from one distribution, so
the variance baseline ranks at chance level and only the shared structure
tells the columns apart.

For each scenario, method and seed the features are ranked and
``hit@k`` (share of the top k that are informative, k = number of informative
columns) is recorded. Baselines:

- ``variance``: column variance (a chance-level control here);
- ``laplacian``: Laplacian score (He, Cai & Niyogi, 2005) on a symmetrised
  kNN graph with heat-kernel weights, lower score = more important;
- ``pca``: sum of squared loadings on the top components, their number set by
  the Marchenko-Pastur edge of the correlation matrix (eigenvalues a
  noise-only matrix would not reach).

Run from the repository root::

    python -m benchmarks.bench_unsupervised           # full, a few minutes
    python -m benchmarks.bench_unsupervised --smoke   # < 30 s

Writes ``benchmarks/results/unsupervised.json`` and ``unsupervised.md``.
"""

import time

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.preprocessing import StandardScaler

from skcancelout import CancelOutSelector

from .report import side_benchmark_main

SEEDS = range(5)
# (name, n_samples, n_factors, n_informative, n_noise)
SCENARIOS = [
    ("f3-inf12-noise38", 1000, 3, 12, 38),
    ("f2-inf10-noise40", 1000, 2, 10, 40),
    ("f5-inf20-noise80", 1500, 5, 20, 80),
]
SMOKE_SCENARIOS = [("f3-inf12-noise38", 400, 3, 12, 38)]
# CancelOut settings compared; the first entry is the library default.
CANCELOUT_SETTINGS = {
    "cancelout default (32, 32)": {},
    "cancelout (4,)": {"hidden_layer_sizes": (4,)},
    "cancelout alpha=0.05": {"alpha": 0.05},
}
SMOKE_SETTINGS = ("cancelout default (32, 32)",)


def make_factor_data(seed, n_samples, n_factors, n_informative, n_noise, noise=0.3):
    """X and the informative-column mask; columns shuffled, unit variance."""
    rng = np.random.default_rng(seed)
    factors = rng.standard_normal((n_samples, n_factors))
    columns = []
    for _ in range(n_informative):
        n_used = rng.integers(2, min(3, n_factors) + 1)
        used = rng.choice(n_factors, n_used, replace=False)
        loading = np.zeros(n_factors)
        loading[used] = rng.uniform(0.5, 1.0, n_used) * rng.choice([-1, 1], n_used)
        column = factors @ loading + noise * rng.standard_normal(n_samples)
        columns.append(column / column.std())
    X = np.column_stack([*columns, rng.standard_normal((n_samples, n_noise))])
    # Every column gets a scale drawn from one distribution, so variance
    # ranks at chance level (k / d on average).
    X = X / X.std(axis=0) * rng.lognormal(0.0, 0.5, X.shape[1])
    mask = np.r_[np.ones(n_informative, bool), np.zeros(n_noise, bool)]
    # Fixed per shape (not per seed): position gives nothing away.
    perm = np.random.default_rng(X.shape[1]).permutation(X.shape[1])
    return X[:, perm], mask[perm]


def variance_scores(X):
    return X.var(axis=0)


def laplacian_scores(X, n_neighbors=5):
    """Negated Laplacian score: higher = the feature respects the kNN graph more."""
    X = StandardScaler().fit_transform(X)
    sq = cdist(X, X, "sqeuclidean")
    np.fill_diagonal(sq, np.inf)
    nearest = np.argsort(sq, axis=1)[:, :n_neighbors]
    rows = np.repeat(np.arange(len(X)), n_neighbors)
    neighbour_sq = sq[rows, nearest.ravel()]
    t = neighbour_sq.mean()
    S = np.zeros_like(sq)
    S[rows, nearest.ravel()] = np.exp(-neighbour_sq / t)
    S = np.maximum(S, S.T)
    degree = S.sum(axis=1)
    laplacian = np.diag(degree) - S
    centred = X - (degree @ X) / degree.sum()
    numerator = np.einsum("ij,ik,kj->j", centred, laplacian, centred)
    denominator = np.einsum("ij,i,ij->j", centred, degree, centred)
    return -numerator / np.maximum(denominator, 1e-12)


def pca_scores(X):
    """Sum of squared loadings on the components above the Marchenko-Pastur edge."""
    n, d = X.shape
    eigval, eigvec = np.linalg.eigh(np.corrcoef(X, rowvar=False))
    edge = (1 + np.sqrt(d / n)) ** 2
    n_top = max(1, int((eigval > edge).sum()))
    top = eigvec[:, np.argsort(eigval)[::-1][:n_top]]
    return (top**2).sum(axis=1)


BASELINES = {
    "variance": variance_scores,
    "laplacian": laplacian_scores,
    "pca": pca_scores,
}


def hit_at_k(scores, mask):
    k = int(mask.sum())
    return float(mask[np.argsort(-scores, kind="stable")[:k]].mean())


def run(smoke=False):
    scenarios = SMOKE_SCENARIOS if smoke else SCENARIOS
    seeds = range(2) if smoke else SEEDS
    settings = {
        name: params
        for name, params in CANCELOUT_SETTINGS.items()
        if not smoke or name in SMOKE_SETTINGS
    }
    n_estimators = 4 if smoke else 8
    max_iter = 40 if smoke else 100
    records = []
    for scenario, n, n_factors, n_inf, n_noise in scenarios:
        for seed in seeds:
            X, mask = make_factor_data(seed, n, n_factors, n_inf, n_noise)
            methods = {name: (lambda X, f=f: f(X)) for name, f in BASELINES.items()}
            for name, params in settings.items():
                methods[name] = lambda X, p=params, s=seed: (
                    CancelOutSelector(
                        n_estimators=n_estimators,
                        max_iter=max_iter,
                        random_state=s,
                        **p,
                    )
                    .fit(X)
                    .feature_importances_
                )
            for name, method in methods.items():
                start = time.perf_counter()
                scores = method(X)
                records.append(
                    {
                        "scenario": scenario,
                        "method": name,
                        "seed": seed,
                        "hit_at_k": hit_at_k(scores, mask),
                        "fit_seconds": time.perf_counter() - start,
                    }
                )
            print(f"{scenario} seed {seed} done", flush=True)
    return records


def summarise(records):
    table = {}
    for r in records:
        table.setdefault((r["scenario"], r["method"]), []).append(r)
    return [
        {
            "scenario": scenario,
            "method": method,
            "hit_at_k_mean": float(np.mean([r["hit_at_k"] for r in rows])),
            "hit_at_k_std": float(np.std([r["hit_at_k"] for r in rows])),
            "fit_seconds_mean": float(np.mean([r["fit_seconds"] for r in rows])),
            "n_seeds": len(rows),
        }
        for (scenario, method), rows in table.items()
    ]


def markdown(summary, smoke):
    scenarios = list(dict.fromkeys(s["scenario"] for s in summary))
    methods = list(dict.fromkeys(s["method"] for s in summary))
    cell = {(s["scenario"], s["method"]): s for s in summary}
    lines = [
        "# Unsupervised selection: hit@k" + (" (smoke run)" if smoke else ""),
        "",
        "Mean ± std of hit@k over seeds; k = number of informative columns. "
        "Scenario `fA-infB-noiseC`: A latent factors, B informative columns, "
        "C noise columns; every column has a random scale. Regenerate with "
        "`python -m benchmarks.bench_unsupervised`.",
        "",
        "| method | " + " | ".join(scenarios) + " | mean fit s |",
        "|---|" + "---|" * (len(scenarios) + 1),
    ]
    for method in methods:
        cells = []
        for scenario in scenarios:
            s = cell.get((scenario, method))
            cells.append(
                ""
                if s is None
                else f"{s['hit_at_k_mean']:.2f} ± {s['hit_at_k_std']:.2f}"
            )
        seconds = np.mean(
            [
                cell[(sc, method)]["fit_seconds_mean"]
                for sc in scenarios
                if (sc, method) in cell
            ]
        )
        lines.append(f"| {method} | " + " | ".join(cells) + f" | {seconds:.2f} |")
    return "\n".join(lines) + "\n"


def _run(smoke):
    records = run(smoke=smoke)
    return {"summary": summarise(records), "records": records}


def _markdown(result, smoke):
    return markdown(result["summary"], smoke)


def main(argv=None):
    side_benchmark_main(
        "unsupervised", __doc__.splitlines()[0], _run, _markdown, argv=argv
    )


if __name__ == "__main__":
    main()
