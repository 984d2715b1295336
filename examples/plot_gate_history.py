"""
=================================
Gates opening and closing in time
=================================

With ``keep_gate_history=True`` the selector records, after every epoch, each
feature's gate value averaged over its networks. Plotting these trajectories
shows how the penalty closes the gates of noise features while the task keeps
the useful ones open, and whether training ran long enough for the ranking to
settle.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import make_classification

from skcancelout import CancelOutSelector
from skcancelout.plotting import plot_gate_history, plot_importances

# 3 informative features (columns 0 to 2), 12 noise columns.
X, y = make_classification(
    n_samples=400,
    n_features=15,
    n_informative=3,
    n_redundant=0,
    shuffle=False,
    random_state=1,
)
selector = CancelOutSelector(
    max_features=3, max_iter=80, keep_gate_history=True, random_state=0
).fit(X, y)
print("kept:", selector.get_support(indices=True))
print("gate_history_ shape (epochs, features):", selector.gate_history_.shape)

# %%
# All gates start half open (``gate_init=0``). The kept features, in colour,
# separate from the noise within the first epochs; the grey noise gates drift
# down under the penalty.
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
plot_gate_history(selector, ax=axes[0])
plot_importances(selector, ax=axes[1])
fig.tight_layout()

# %%
# The training loss (task loss plus penalty) falls as the gates settle,
# then jumps at half of ``max_iter``, where ``feature_dropout="auto"`` raises
# the share of inputs dropped in each step from 0.1 to 0.7 (for class
# labels), and falls again under that harder task; a loss that stops
# improving ends the fit before ``max_iter``. When the gate lines are still
# moving at the last epoch, a larger ``max_iter`` gives a clearer ranking.
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(range(1, selector.n_iter_ + 1), selector.loss_curve_)
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
fig.tight_layout()
