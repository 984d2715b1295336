"""Plots of fitted CancelOut selectors (needs ``pip install skcancelout[plot]``).

The functions take a fitted selector and return the matplotlib Axes they drew
on, so they compose with your own figures::

    import matplotlib.pyplot as plt
    from skcancelout.plotting import plot_gate_history, plot_importances

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    plot_importances(selector, ax=left, top=15)
    plot_gate_history(selector, ax=right)
"""

from ._plotting import plot_gate_history, plot_importances

__all__ = ["plot_gate_history", "plot_importances"]
