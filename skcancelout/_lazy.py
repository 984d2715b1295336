"""torch and the modules built on it, imported when first used.

A fitted selector is plain NumPy: loading one and calling ``transform``
needs no torch, and importing torch costs about 2 s and 180 MB. The
estimator modules therefore reach torch, and the training modules that
import it, through :class:`LazyModule`, which imports on the first
attribute read (``fit`` is the first to read one).
"""

import importlib


class LazyModule:
    """Stands for the module ``name`` and imports it at the first attribute read.

    Examples
    --------
    >>> json = LazyModule("json")
    >>> json.dumps([1])
    '[1]'
    """

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self):
        return f"LazyModule({self._name!r})"


class _TorchDeviceType(type):
    def __instancecheck__(cls, value):
        kind = type(value)
        return kind.__module__ == "torch" and kind.__name__ == "device"


class TorchDevice(metaclass=_TorchDeviceType):
    """``isinstance(value, TorchDevice)`` is whether value is a ``torch.device``.

    For parameter constraints: the check needs no torch import (a
    ``torch.device`` exists only once torch is imported). Named
    ``torch.device`` so constraint errors name the real type.

    Examples
    --------
    >>> isinstance("cpu", TorchDevice)
    False
    """


TorchDevice.__module__ = "torch"
TorchDevice.__qualname__ = TorchDevice.__name__ = "device"
