"""Quality, time and memory measurements.

Memory is measured two ways because torch's CPU tensors are allocated with
``malloc`` outside Python's allocator: ``tracemalloc`` sees NumPy and Python
objects only, so :class:`PeakRSS` also samples the resident set size from
``/proc/self/statm`` in a background thread and reports its growth over the
value at the start of the measurement.
"""

import itertools
import os
import threading
import time
import tracemalloc

import numpy as np
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.model_selection import train_test_split

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def top_k(importances, k):
    """Indices of the k largest importances (ties broken by column order)."""
    return np.argsort(-np.asarray(importances), kind="stable")[:k]


def hit_at_k(importances, relevant_mask):
    k = int(relevant_mask.sum())
    return float(relevant_mask[top_k(importances, k)].mean())


def split(X, y, kind, seed):
    stratify = y if kind == "classification" else None
    return train_test_split(X, y, test_size=0.25, random_state=seed, stratify=stratify)


def score_at_k(importances, k, X_train, X_test, y_train, y_test, kind, seed):
    """Held-out accuracy or R^2 of a 200-tree forest on the top-k columns."""
    cols = top_k(importances, k)
    cls = RandomForestClassifier if kind == "classification" else RandomForestRegressor
    forest = cls(n_estimators=200, n_jobs=-1, random_state=seed)
    forest.fit(X_train[:, cols], y_train)
    return float(forest.score(X_test[:, cols], y_test))


def stability(selected_sets):
    """Mean pairwise Jaccard index of the selected sets (NaN for fewer than 2)."""
    sets = [set(map(int, s)) for s in selected_sets]
    pairs = [len(a & b) / len(a | b) for a, b in itertools.combinations(sets, 2)]
    return float(np.mean(pairs)) if pairs else float("nan")


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


class PeakRSS:
    """Context manager: peak growth of the resident set size, sampled."""

    def __init__(self, interval=0.002):
        self.interval = interval
        self.peak_growth = 0

    def _sample(self):
        while not self._stop.wait(self.interval):
            self._peak = max(self._peak, _rss_bytes())

    def __enter__(self):
        self._start = self._peak = _rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._peak = max(self._peak, _rss_bytes())
        self.peak_growth = self._peak - self._start


def timed(fn, *args):
    """(result, seconds)."""
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def profiled(fn, *args):
    """(result, seconds, tracemalloc peak bytes, peak RSS growth bytes)."""
    tracemalloc.start()
    try:
        with PeakRSS() as rss:
            result, seconds = timed(fn, *args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, seconds, peak, rss.peak_growth
