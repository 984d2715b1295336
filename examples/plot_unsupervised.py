"""
=============================================
Unsupervised selection before clustering
=============================================

Without ``y``, :class:`~skcancelout.CancelOutSelector` trains masked
autoencoders: in every batch 30 % of the entries of X are hidden and the
networks must predict them from the gated input. A gate stays open when its
feature helps predict *other* columns, which favours features that share
structure with the others, and closes for isolated noise. This makes it a filter before
an unsupervised step such as :class:`~sklearn.cluster.KMeans`, where noise
columns blur the clusters.

The data: 4 clusters living in 4 features, followed by 12 columns of pure
noise of the same scale.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcancelout import CancelOutSelector
from skcancelout.plotting import plot_importances

rng = np.random.RandomState(0)
X_signal, labels = make_blobs(
    n_samples=600, n_features=4, centers=4, cluster_std=2.0, random_state=0
)
X = np.hstack([X_signal, rng.normal(scale=X_signal.std(), size=(600, 12))])

# %%
# ``fit(X)`` with no ``y``, at the default network width: because the
# hidden entries must be predicted from the other columns, a noise column
# cannot help rebuild anything, and no bottleneck has to be chosen.
selector = CancelOutSelector(max_features=4, random_state=0)
selector.fit(X)
print("kept:", selector.get_support(indices=True))
plot_importances(selector)
plt.tight_layout()

# %%
# KMeans on all 16 columns against KMeans on the 4 kept ones, scored against
# the true cluster labels (the selector never saw them) with the adjusted
# Rand index (ARI: 1 is a perfect match, 0 is chance).
kmeans = KMeans(n_clusters=4, n_init=10, random_state=0)
all_columns = make_pipeline(StandardScaler(), kmeans).fit_predict(X)
selected = make_pipeline(selector, StandardScaler(), kmeans).fit_predict(X)
print(f"ARI, all columns:  {adjusted_rand_score(labels, all_columns):.2f}")
print(f"ARI, kept columns: {adjusted_rand_score(labels, selected):.2f}")
