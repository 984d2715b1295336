"""Feature importances from the state of the trained gated networks.

Each function maps per-network arrays of shape (K, n_features) to
importances of the same shape, one row per network, with values in [0, 1].
"""

import numpy as np

# Weight of the first epoch's ranking in importance_type="combined".
FIRST_EPOCH_WEIGHT = 0.5


def gate_weight(gates, norms):
    """Gate times first-layer weight norm, scaled so each row's largest is 1."""
    return _scaled_to_one(gates * norms)


def robust_z(values):
    """Per-row (x - median) / (1.4826 * MAD), the MAD-based z-score.

    Rows whose MAD is zero fall back to the standard deviation; rows with no
    spread at all get zeros.
    """
    median = np.median(values, axis=1, keepdims=True)
    spread = 1.4826 * np.median(np.abs(values - median), axis=1, keepdims=True)
    std = values.std(axis=1, keepdims=True)
    spread = np.where(spread > 0, spread, std)
    # Dividing by inf leaves 0 where there is no spread at all.
    return (values - median) / np.where(spread > 0, spread, np.inf)


def combined(
    final, first_epoch, weight=FIRST_EPOCH_WEIGHT, evidence=None, return_bonus=False
):
    """Final ranking plus the first epoch's, each as a robust z-score.

    ``final`` and ``first_epoch`` are gate-times-weight-norm importances at
    the end of training and after its first epoch. Where the final
    importances separate a feature clearly (the MAD of the many closed gates
    is small, so its z-score is large), the first epoch cannot overturn it;
    where the final networks leave features close together, the first
    epoch's direct link of each column to y decides.

    All rows share one shift and one scale (to a minimum of 0 and a maximum
    of 1 over the whole array), so a network that separates its features
    more sharply keeps more weight in the mean over networks than one that
    did not learn the task. An array with no spread at all keeps
    ``gate_weight``'s values.

    ``evidence`` (one value per feature, the same for every network) is
    added to the score: the capped bonus of ``marginal_evidence`` for
    columns linked to y on their own, plus ``wide_evidence`` where the
    columns outnumber the rows. With ``return_bonus=True`` the result
    is ``(importances, bonus)``: ``bonus`` is the evidence in the units of
    the importances (zeros without evidence), so ``importances - bonus``
    ranks the features as the networks alone do.
    """
    no_evidence = np.zeros(final.shape[1])
    evidence = no_evidence if evidence is None else np.asarray(evidence, float)
    score = robust_z(final) + weight * robust_z(first_epoch) + evidence
    score = score - score.min()
    top = score.max()
    if not top > 0:
        result, bonus = _scaled_to_one(final), no_evidence
    else:
        result, bonus = score / top, evidence / top
    return (result, bonus) if return_bonus else result


def _scaled_to_one(values):
    top = values.max(axis=1, keepdims=True)
    return values / np.where(top > 0, top, 1.0)
