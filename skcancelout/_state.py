"""Training state carried between ``partial_fit`` calls, and through pickles.

The networks' and the optimizer's state is kept as NumPy arrays (a pickle
never needs torch or the training device), and the running column
statistics of the batches are merged exactly.
"""

import numpy as np

from ._data import ColumnStats, _safe_absmax
from ._lazy import LazyModule

torch = LazyModule("torch")  # imported by the first fit (see _lazy)

# Layout of the training state kept for partial_fit (_net_state,
# _optim_state). 2: one flat Adam state, first-layer weights (d, K, h).
# 3: a continuous y standardized by running statistics (_y_stats).
_STATE_FORMAT = 3


def running_stats(values, previous=None):
    """``(stats, rows)``: the column statistics of ``values`` (2-D) and their
    number of rows, merged into ``previous``, such a pair from the batches
    before, when given."""
    batch, n_new = ColumnStats.from_data(values), values.shape[0]
    if previous is None:
        return batch, n_new
    old, n_old = previous
    return _merge_stats(old, n_old, batch, n_new), n_old + n_new


def _merge_stats(old, n_old, new, n_new):
    """Column statistics of the union of two batches (Chan et al.).

    Merged in units of the larger of the two batches' largest ``|value|``,
    as :meth:`ColumnStats.from_data` computes them, so squares of spreads
    near 1e-170 or 1e160 neither underflow nor overflow.
    """
    total = n_old + n_new
    # A column of zeros carries absmax 1 as a placeholder (nothing to divide
    # by); it must not set the unit, or the squares of a later batch's tiny
    # spread (below about 1e-155) would underflow in it.
    old_top, new_top = _true_absmax(old), _true_absmax(new)
    absmax = _safe_absmax(np.maximum(old_top, new_top))
    old_part, new_part = old_top / absmax, new_top / absmax
    old_mean, new_mean = old.scaled_mean * old_part, new.scaled_mean * new_part
    old_std = np.where(old.constant, 0.0, old.scaled_std * old_part)
    new_std = np.where(new.constant, 0.0, new.scaled_std * new_part)
    delta = new_mean - old_mean
    mean = old_mean + delta * (n_new / total)
    m2 = old_std**2 * n_old + new_std**2 * n_new + delta**2 * (n_old * n_new / total)
    constant = old.constant & new.constant & (delta == 0)
    std = np.where(constant, 0.0, np.sqrt(m2 / total))
    return ColumnStats(absmax, mean, std, constant=constant)


def _true_absmax(stats):
    """The largest ``|value|`` of each column: 0 for a column of zeros."""
    zeros = stats.constant & (stats.scaled_mean == 0)
    return np.where(zeros, 0.0, stats.absmax)


def _export_state(model, optimizer):
    """Model and optimizer state as NumPy arrays, so pickles never need a device."""
    net = {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}
    optim = optimizer.state_dict()
    state = {
        key: {
            name: (
                value.detach().cpu().numpy().copy() if torch.is_tensor(value) else value
            )
            for name, value in entry.items()
        }
        for key, entry in optim["state"].items()
    }
    return net, {"state": state, "param_groups": optim["param_groups"]}


def _check_same_networks(model, net_state):
    """Refuse to continue networks of another shape than the parameters give."""
    saved = {name: value.shape for name, value in net_state.items()}
    if saved == {name: value.shape for name, value in model.state_dict().items()}:
        return
    n_layers = sum(name.startswith("biases.") for name in saved)
    hidden = tuple(int(saved[f"biases.{i}"][-1]) for i in range(n_layers - 1))
    raise ValueError(
        "partial_fit continues the networks trained so far, which have "
        f"n_estimators={saved['gate'][0]} and hidden_layer_sizes={hidden}; "
        "these cannot change between calls. Set them back, or call fit to "
        "start again with the new ones."
    )


def _load_state(model, optimizer, net_state, optim_state):
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in net_state.items()})
    # Only the moments and step count carry over (copied onto the model's
    # device); this call's settings stay, since set_params may have changed
    # them: the weight decays are already in ``optimizer``, the rate is the
    # current learning_rate_init.
    optimizer.load_state_dict(
        {"state": optim_state["state"], "param_groups": optimizer.param_groups}
    )
