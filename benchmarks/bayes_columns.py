"""How much each informative column of a make_classification task is worth.

``make_classification`` draws each class as Gaussian clusters whose centres
and covariances it picks from its seed, so the Bayes classifier (the best
any method can do) is known exactly. This script rebuilds those clusters
for the noisy-classification task (1000 rows, 8 informative columns of
200) and reports, for each informative column, how much the Bayes
classifier's accuracy drops without it: a column that costs a fraction of
a percent is nearly redundant, and a selector that misses it on 750
training rows misses little.

Run from the repository root::

    python -m benchmarks.bayes_columns            # data seeds 0-4
    python -m benchmarks.bayes_columns --seeds 0 1

It prints one line per seed: the Bayes accuracy with all informative
columns, then the drop without each (columns in make_classification's
order, before the task's fixed shuffle).
"""

import argparse

import numpy as np
from scipy.stats import multivariate_normal
from sklearn.datasets._samples_generator import _generate_hypercube
from sklearn.utils import check_random_state

N_ROWS, N_INFORMATIVE, N_CLUSTERS = 1000, 8, 4


def clusters(seed, n_rows=N_ROWS, n_informative=N_INFORMATIVE):
    """Centres and mixing matrices of make_classification's clusters.

    Replays the generator as ``make_classification(n_samples=n_rows,
    n_informative=n_informative, n_redundant=0, n_repeated=0,
    random_state=seed)`` draws them (class_sep 1, hypercube, two clusters
    per class; cluster k belongs to class k % 2): the centres, then the
    rows' standard normals ``z``, then one mixing matrix A per cluster, so
    a cluster's rows are ``z @ A + centre`` before the task's shift and
    scale. Returns ``(centres, mixing, z)``.
    """
    generator = check_random_state(seed)
    centres = _generate_hypercube(N_CLUSTERS, n_informative, generator)
    centres = centres.astype(float) * 2 - 1
    z = generator.standard_normal(size=(n_rows, n_informative))
    mixing = [
        2 * generator.uniform(size=(n_informative, n_informative)) - 1
        for _ in range(N_CLUSTERS)
    ]
    return centres, mixing, z


def column_costs(seed, n_draws=50_000, draw_seed=0):
    """``(accuracy, costs)``: the Bayes accuracy with every informative
    column, and its drop without each one, on ``n_draws`` rows per cluster
    (label noise left out)."""
    centres, mixing, _ = clusters(seed)
    rng = np.random.default_rng(draw_seed)
    rows = [
        rng.standard_normal((n_draws, N_INFORMATIVE)) @ A + c
        for A, c in zip(mixing, centres, strict=True)
    ]
    X = np.vstack(rows)
    y = np.repeat(np.arange(N_CLUSTERS) % 2, n_draws)

    def accuracy(columns):
        log_density = [
            multivariate_normal(c[columns], (A.T @ A)[np.ix_(columns, columns)]).logpdf(
                X[:, columns]
            )
            for A, c in zip(mixing, centres, strict=True)
        ]
        odd = np.logaddexp(log_density[1], log_density[3])
        even = np.logaddexp(log_density[0], log_density[2])
        return float(np.mean((odd > even) == y))

    every = list(range(N_INFORMATIVE))
    full = accuracy(every)
    costs = [full - accuracy([c for c in every if c != j]) for j in every]
    return full, costs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(5)))
    args = parser.parse_args(argv)
    for seed in args.seeds:
        full, costs = column_costs(seed)
        shown = " ".join(f"{c:.3f}" for c in costs)
        print(
            f"seed {seed}: Bayes accuracy {full:.3f}; drop without each column: {shown}"
        )


if __name__ == "__main__":
    main()
