"""Warnings that point at the caller's line, not at this package's code."""

import os
import sys

import sklearn

_OWN_DIRS = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) + os.sep
    for module in (sys.modules[__name__], sklearn)
)


def user_stacklevel():
    """The ``stacklevel`` of ``warnings.warn`` that names the user's code.

    Called in the function that warns: counts that function and its callers
    up to the first frame outside skcancelout and scikit-learn (whose
    ``fit`` wrappers and pipelines sit between a user's call and ours).
    """
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_OWN_DIRS):
        frame, level = frame.f_back, level + 1
    return level
