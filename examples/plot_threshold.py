"""
=====================================
Thresholds and ``max_features``
=====================================

A fitted :class:`~skcancelout.CancelOutSelector` ranks the features once;
``threshold`` and ``max_features`` only decide where to cut that ranking. They
are read whenever the selection is asked for, so they can be changed with
``set_params`` after ``fit`` without retraining.

The data has 4 informative features (columns 0 to 3) followed by 16 columns of
noise.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification

from skcancelout import CancelOutSelector
from skcancelout.plotting import plot_importances

X, y = make_classification(
    n_samples=500,
    n_features=20,
    n_informative=4,
    n_redundant=0,
    shuffle=False,
    random_state=0,
)
selector = CancelOutSelector(max_iter=60, random_state=0).fit(X, y)

# %%
# The default cut: the mean importance
# ------------------------------------
# With neither ``threshold`` nor ``max_features`` set, a feature is kept when
# its importance is at least the mean importance, as in
# :class:`~sklearn.feature_selection.SelectFromModel`. The error bars show the
# spread of the importances over the ensemble of networks.
print("threshold_ =", round(selector.threshold_, 3))
print("kept:", selector.get_support(indices=True))
plot_importances(selector)
plt.tight_layout()

# %%
# Other thresholds, no refit
# --------------------------
# The same fitted networks give different selections for different
# thresholds.
for threshold in ["mean", "median", "1.2*mean", 0.5]:
    selector.set_params(threshold=threshold)
    kept = selector.get_support(indices=True)
    print(f"threshold={threshold!r:>10}: {kept.size:2d} features kept {kept}")

# %%
# A fixed budget with ``max_features``
# ------------------------------------
# With only ``max_features`` set, exactly that many features are kept, the most
# important first (``threshold_`` becomes ``-inf`` and no line is drawn).
# With both set, both limits apply.
fig, axes = plt.subplots(1, 2, figsize=(10, 5), sharex=True)
selector.set_params(threshold=None, max_features=3)
plot_importances(selector, ax=axes[0], top=10)
axes[0].set_title("max_features=3")
selector.set_params(threshold="1.2*mean", max_features=10)
plot_importances(selector, ax=axes[1], top=10)
axes[1].set_title('threshold="1.2*mean", max_features=10')
fig.tight_layout()

# %%
# How sure are the networks?
# --------------------------
# ``get_selection_frequency`` applies the current cut to each network's own
# importances. Values near 1 or 0 are decisions all networks share; values in
# between mark features on the fence.
selector.set_params(threshold=None, max_features=4)
frequency = selector.get_selection_frequency()
print("selection frequency with max_features=4:")
print(np.round(frequency, 2))
