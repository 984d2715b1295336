"""The all-sets breast-cancer scan scores sets exactly as the reference does."""

import numpy as np

from benchmarks import breast_sets
from benchmarks.quality import reference_auc
from benchmarks.tasks import breast_cancer


def test_the_replica_gives_the_reference_score_of_known_sets():
    task = breast_cancer()
    scorer = breast_sets.SetScorer(task.X, task.y)
    # Gradient boosting's top 5 of the reference (0.9583 there) and a weak set.
    for columns in ([7, 20, 21, 22, 27], [9, 14, 17, 18, 29]):
        assert np.isclose(
            scorer(columns), reference_auc(task.X, task.y, columns), atol=1e-12
        )
    assert round(scorer([7, 20, 21, 22, 27]), 4) == 0.9583


def test_the_table_counts_sets_reaching_each_target():
    result = {
        "n_sets": 3,
        "replica_gap": 0.0,
        "median": 0.9,
        "reaching": {"0.951": {"sets": 1, "share": 1 / 3}},
        "best": [[[0, 1, 2, 3, 4], 0.96]],
        "methods": {"m": [[0.955, 0.0]]},
    }
    text = breast_sets.to_markdown(result, smoke=False)
    assert "| 0.951 | 1 | 33.333 % |" in text
    assert "| m | 0.9550 (0.00 %) |" in text
