"""
==============================================================
Choosing the number of features by cross-validation
==============================================================

:class:`~skcancelout.CancelOutSelectorCV` ranks the features with a
:class:`~skcancelout.CancelOutSelector` on each training fold, scores a
downstream model on the top-k features of the held-out fold for a grid of k,
and keeps the smallest k whose mean score is within one standard error of the
best (the "one standard error rule": past the informative features the curve
is a plateau whose ups and downs are noise). ``cv_results_`` holds the whole
curve.

The data has 5 informative features among 25.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification

from skcancelout import CancelOutSelector, CancelOutSelectorCV

X, y = make_classification(
    n_samples=400,
    n_features=25,
    n_informative=5,
    n_redundant=0,
    n_clusters_per_class=1,
    shuffle=False,
    random_state=0,
)
cv_selector = CancelOutSelectorCV(
    selector=CancelOutSelector(max_iter=50, random_state=0), cv=4
)
cv_selector.fit(X, y)
print("chosen number of features:", cv_selector.n_features_)
print("kept:", cv_selector.get_support(indices=True))

# %%
# The score curve: mean accuracy over the folds, with one standard deviation.
# The dotted line is the best mean score minus one standard error; the chosen
# size is the first to reach it. The default downstream model is a
# standardized logistic regression; pass ``estimator=`` to score the model you
# will use.
results = cv_selector.cv_results_
n_features = results["n_features"]
mean, std = results["mean_test_score"], results["std_test_score"]
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(n_features, mean, marker="o")
ax.fill_between(n_features, mean - std, mean + std, alpha=0.2)
best = np.nanargmax(mean)
n_splits = 4
ax.axhline(mean[best] - std[best] / np.sqrt(n_splits), color="0.5", linestyle=":")
ax.axvline(cv_selector.n_features_, color="C3", linestyle="--", label="chosen")
ax.set_xlabel("number of features kept")
ax.set_ylabel("CV accuracy")
ax.legend()
fig.tight_layout()

# %%
# How stable is the ranking across folds? ``split{i}_support`` records the
# features each fold used; at the chosen size, count how often each feature
# was among them.
row = int(np.flatnonzero(n_features == cv_selector.n_features_)[0])
supports = np.array(
    [results[f"split{i}_support"][row] for i in range(n_splits)], dtype=int
)
print("folds selecting each feature:", supports.sum(axis=0))
