"""Every public name has a numpydoc docstring that documents it and shows it.

The examples themselves run as doctests (``--doctest-modules``); this checks
that each public class, function, method and property has one, and that its
parameters and return values are described, with numpydoc's own validator.
"""

import inspect

import pytest
from numpydoc.validate import validate

import skcancelout
import skcancelout.plotting

# numpydoc's checks that a user reading the docstring relies on:
# GL08 no docstring, SS01 no summary, PR01 a parameter left out, PR02 an
# unknown parameter, PR07 a parameter without a description, RT01 no Returns
# section, RT03 a return value without a description, EX01 no Examples.
REQUIRED = {"GL08", "SS01", "PR01", "PR02", "PR07", "RT01", "RT03", "EX01"}


def _public_names():
    names = []
    for module in (skcancelout, skcancelout.plotting):
        for name in module.__all__:
            if name == "__version__":
                continue
            obj = getattr(module, name)
            names.append(f"{module.__name__}.{name}")
            if not inspect.isclass(obj):
                continue
            for member, value in vars(obj).items():
                # set_*_request methods are written by scikit-learn.
                generated = member.startswith("set_") and member.endswith("_request")
                if member.startswith("_") or generated:
                    continue
                if callable(value) or isinstance(value, property):
                    names.append(f"{module.__name__}.{name}.{member}")
    return names


PUBLIC = _public_names()


def test_the_public_api_is_all_listed():
    for name in (
        "skcancelout.CancelOutSelector.fit",
        "skcancelout.CancelOutSelector.partial_fit",
        "skcancelout.CancelOutSelector.threshold_",
        "skcancelout.CancelOutSelectorCV.fit",
        # scikit-learn's selection methods, documented for these selectors
        "skcancelout.CancelOutSelector.transform",
        "skcancelout.CancelOutSelector.get_support",
        "skcancelout.CancelOutSelectorCV.inverse_transform",
        "skcancelout.CancelOutSelectorCV.get_feature_names_out",
        "skcancelout.CancelOutSelectorCV.fit_transform",
        "skcancelout.CancelOut.forward",
        "skcancelout.plotting.plot_importances",
    ):
        assert name in PUBLIC


@pytest.mark.parametrize("name", PUBLIC)
def test_docstring(name):
    errors = [
        f"{code}: {message}"
        for code, message in validate(name)["errors"]
        if code in REQUIRED
    ]
    assert not errors, "\n".join(errors)
