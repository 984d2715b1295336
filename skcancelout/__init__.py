"""skcancelout: CancelOut feature selection for scikit-learn.

A learnable gate per input feature in front of small torch networks; the
gates of features the task does not need close during training, and what
stays open is selected.
"""

from ._cv import CancelOutSelectorCV
from ._selector import CancelOutSelector

__version__ = "0.1.0.dev0"

__all__ = [
    "CancelOut",
    "CancelOutSelector",
    "CancelOutSelectorCV",
    "gate_penalty",
    "gate_values",
    "__version__",
]

# The torch layer and functions load with torch, on first use: a fitted
# selector transforms without importing torch (see _lazy).
_TORCH_NAMES = ("CancelOut", "gate_penalty", "gate_values")


def __getattr__(name):
    if name in _TORCH_NAMES:
        from . import _layer

        return getattr(_layer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_TORCH_NAMES))
