"""
========================================================
Tuning the selection inside a pipeline with GridSearchCV
========================================================

:class:`~skcancelout.CancelOutSelector` is a scikit-learn transformer, so it
goes in a :class:`~sklearn.pipeline.Pipeline` in front of any model. Inside
:class:`~sklearn.model_selection.GridSearchCV`, it is fitted on the training
folds only, and the number of kept features is tuned for the score of the model
that uses them.

We use the breast cancer data set (30 features) with 20 columns of noise
appended, and a logistic regression downstream.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skcancelout import CancelOutSelector

X, y = load_breast_cancer(return_X_y=True)
rng = np.random.RandomState(0)
X = np.hstack([X, rng.normal(size=(X.shape[0], 20))])

pipe = Pipeline(
    [
        ("select", CancelOutSelector(max_iter=40, random_state=0)),
        ("scale", StandardScaler()),
        ("model", LogisticRegression(max_iter=1000)),
    ]
)

# %%
# The grid searches over ``max_features`` (a fixed budget) and over
# ``threshold`` (a cut relative to the importances). ``threshold=None`` with
# ``max_features`` set keeps exactly ``max_features`` features.
param_grid = [
    {"select__max_features": [2, 5, 10, 20], "select__threshold": [None]},
    {"select__max_features": [None], "select__threshold": ["median", "mean"]},
]
search = GridSearchCV(
    pipe, param_grid, cv=StratifiedKFold(3, shuffle=True, random_state=0)
)
search.fit(X, y)
print("best parameters:", search.best_params_)
print(f"best CV accuracy: {search.best_score_:.3f}")

# %%
# The accuracy for each budget: a handful of features already does most of
# the work.
results = search.cv_results_
budget = np.array(
    [p["select__max_features"] or 0 for p in results["params"]], dtype=int
)
is_budget = budget > 0
fig, ax = plt.subplots(figsize=(6, 4))
ax.errorbar(
    budget[is_budget],
    results["mean_test_score"][is_budget],
    yerr=results["std_test_score"][is_budget],
    marker="o",
    capsize=3,
)
ax.set_xlabel("max_features")
ax.set_ylabel("CV accuracy")
ax.set_title("Logistic regression on the kept features")
fig.tight_layout()

# %%
# The refitted best pipeline: how many of the kept columns are noise
# (columns 30 and above)?
best_selector = search.best_estimator_.named_steps["select"]
kept = best_selector.get_support(indices=True)
print("kept columns:", kept)
print("noise columns kept:", int((kept >= 30).sum()))
