"""
=================================================
Streaming data with a change of relevant features
=================================================

CancelOut was designed with data streams in mind. ``partial_fit`` trains for one
epoch on each batch and keeps the networks, the optimizer state and the running
standardization for the next call, so the gates keep adapting as data arrives.

Here the stream changes half-way: in the first half the label depends on
features 0, 1 and 2; in the second half on features 3, 4 and 5. The gates of
the old features close and those of the new ones open.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from skcancelout import CancelOutSelector

n_features, n_batches, batch_size = 10, 80, 100
rng = np.random.RandomState(0)


def make_batch(relevant):
    X = rng.normal(size=(batch_size, n_features))
    y = (X[:, relevant].sum(axis=1) > 0).astype(int)
    return X, y


# The defaults, keeping the 3 most important features.
selector = CancelOutSelector(max_features=3, random_state=0)
history = []
for t in range(n_batches):
    relevant = [0, 1, 2] if t < n_batches // 2 else [3, 4, 5]
    X, y = make_batch(relevant)
    # `classes` is needed on the first call: a batch may miss a class.
    selector.partial_fit(X, y, classes=[0, 1])
    history.append(selector.feature_importances_.copy())
history = np.array(history)

# %%
# The importance of each feature after each batch. The dashed line marks the
# drift.
fig, ax = plt.subplots(figsize=(7, 4))
batches = np.arange(1, n_batches + 1)
for j in range(n_features):
    if j < 3:
        style = {"color": "C0", "label": "relevant first" if j == 0 else None}
    elif j < 6:
        style = {"color": "C1", "label": "relevant second" if j == 3 else None}
    else:
        style = {"color": "0.7", "label": "never relevant" if j == 6 else None}
    ax.plot(batches, history[:, j], **style)
ax.axvline(n_batches // 2 + 0.5, color="k", linestyle="--", linewidth=1)
ax.set_xlabel("batch")
ax.set_ylabel("feature importance")
ax.legend()
fig.tight_layout()

# %%
# The new features overtake the old ones about a dozen batches of 100 rows
# after the change, while the old ones fade more slowly: the networks can
# first stop using a feature through their own weights, and only the penalty
# then pushes its gate down. By the end of the stream, the selection reflects
# the current concept.
new = [3, 4, 5]
lead = history[:, new].mean(axis=1) - history[:, [0, 1, 2]].mean(axis=1)
print(
    "new features lead from batch",
    n_batches // 2 + np.argmax(lead[n_batches // 2 :] > 0) + 1,
)
print("kept at the end:", selector.get_support(indices=True))
