"""skcancelout: CancelOut feature selection for scikit-learn.

A learnable gate per input feature in front of small torch networks; the
gates of features the task does not need close during training, and what
stays open is selected.
"""

from ._cv import CancelOutSelectorCV
from ._layer import CancelOut, gate_penalty, gate_values
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
