"""
=====================================================================
CancelOut against random forest importances and mutual information
=====================================================================

Three ways to rank the features of the breast cancer data set (30 features),
to which we append 15 columns of pure noise: the importances of
:class:`~skcancelout.CancelOutSelector` (each gate times the weight its
network gives the feature, see the user guide), the impurity importances of a
:class:`~sklearn.ensemble.RandomForestClassifier`, and the univariate
:func:`~sklearn.feature_selection.mutual_info_classif`.

A good ranking puts the noise columns last. Beyond that the three disagree for
good reasons: mutual information scores each feature alone, so strongly
correlated features (the data set has many) all score high; the forest and
the network score features given the others, and may leave out one of two
features that carry the same information.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import spearmanr
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import mutual_info_classif

from skcancelout import CancelOutSelector

data = load_breast_cancer()
rng = np.random.RandomState(0)
n_noise = 15
X = np.hstack([data.data, rng.normal(size=(data.data.shape[0], n_noise))])
y = data.target
names = np.array([*data.feature_names, *[f"noise {i}" for i in range(n_noise)]])
is_noise = np.arange(X.shape[1]) >= data.data.shape[1]

scores = {
    "CancelOut": CancelOutSelector(max_iter=60, random_state=0)
    .fit(X, y)
    .feature_importances_,
    "random forest": RandomForestClassifier(n_estimators=200, random_state=0)
    .fit(X, y)
    .feature_importances_,
    "mutual information": mutual_info_classif(X, y, random_state=0),
}

# %%
# Where do the noise columns end up?
# ----------------------------------
# For each method, the number of noise columns among its 10 top-ranked
# features, and the best rank any noise column reached (1 = most important).
for method, score in scores.items():
    order = np.argsort(-score, kind="stable")
    ranks = np.empty_like(order)
    ranks[order] = np.arange(1, len(order) + 1)
    print(
        f"{method:>18}: noise in top 10: {is_noise[order[:10]].sum()}, "
        f"best noise rank: {ranks[is_noise].min()}"
    )

# %%
# The rankings side by side
# -------------------------
# Scores are divided by their maximum so the three scales compare. Noise
# columns in grey.
fig, axes = plt.subplots(1, 3, figsize=(12, 8), sharey=True)
order = np.argsort(-scores["CancelOut"], kind="stable")
positions = np.arange(len(order))
for ax, (method, score) in zip(axes, scores.items(), strict=True):
    relative = score / score.max()
    colors = np.where(is_noise[order], "0.7", "C0")
    ax.barh(positions, relative[order], color=colors)
    ax.set_title(method)
    ax.set_xlabel("score / max score")
axes[0].set_yticks(positions, labels=names[order], fontsize=7)
axes[0].invert_yaxis()
fig.tight_layout()

# %%
# Agreement between the methods
# -----------------------------
# Spearman rank correlation between each pair of rankings.
methods = list(scores)
for i, a in enumerate(methods):
    for b in methods[i + 1 :]:
        rho = spearmanr(scores[a], scores[b]).statistic
        print(f"{a} vs {b}: Spearman rho = {rho:.2f}")
