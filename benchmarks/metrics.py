"""Quality, time and memory measurements.

Memory is measured three ways because torch's CPU tensors are allocated with
``malloc`` outside Python's allocator: ``tracemalloc`` sees NumPy and Python
objects only, so :class:`PeakRSS` samples, in a background thread, the
resident set size from ``/proc/self/statm`` and the bytes that malloc has
handed out and not taken back (glibc's ``mallinfo2``), and reports the growth
of each over its value at the start of the measurement. The two are read
with tracemalloc off (:func:`profiled`), whose tables would count in both.
"""

import contextlib
import ctypes
import ctypes.util
import hashlib
import itertools
import os
import threading
import time
import tracemalloc

import numpy as np
import torch
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.model_selection import train_test_split

#: Torch threads of the torch-based peers (LassoNet, STG, the original
#: recipe); ``python -m benchmarks.run --torch-threads`` sets it. skcancelout
#: runs under the process's default thread count, as a user's fit would.
PEER_TORCH_THREADS = 1


@contextlib.contextmanager
def peer_threads():
    """Run a torch-based peer on ``PEER_TORCH_THREADS`` threads."""
    before = torch.get_num_threads()
    torch.set_num_threads(PEER_TORCH_THREADS)
    try:
        yield
    finally:
        torch.set_num_threads(before)


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def top_k(importances, k):
    """Indices of the k largest importances; ties broken in a random order.

    The order is seeded from the importances themselves, so a result is
    reproducible. It is not the column order: a task's columns come in one
    fixed order for every seed, so breaking ties by position would keep the
    same tied columns in every seed and make a method with many ties (a
    LassoNet path leaves whole groups at one value) look stable.
    """
    values = np.asarray(importances, dtype=np.float64)
    digest = hashlib.sha256(values.tobytes()).digest()
    order = np.random.default_rng(int.from_bytes(digest[:8], "little"))
    return np.lexsort((order.permutation(values.size), -values))[:k]


def hit_at_k(importances, relevant_mask):
    k = int(relevant_mask.sum())
    return float(relevant_mask[top_k(importances, k)].mean())


def split(X, y, kind, seed):
    stratify = y if kind == "classification" else None
    return train_test_split(X, y, test_size=0.25, random_state=seed, stratify=stratify)


def score_at_k(importances, k, X_train, X_test, y_train, y_test, kind, seed):
    """Held-out accuracy or R^2 of a 200-tree forest on the top-k columns.

    The columns go to the forest in ascending order, so the score is a
    function of the set: a forest's draws of candidate columns depend on
    their order, and equal sets ranked differently used to score up to
    0.02 apart.
    """
    cols = np.sort(top_k(importances, k))
    cls = RandomForestClassifier if kind == "classification" else RandomForestRegressor
    forest = cls(n_estimators=200, n_jobs=-1, random_state=seed)
    forest.fit(X_train[:, cols], y_train)
    return float(forest.score(X_test[:, cols], y_test))


def stability(selected_sets):
    """Mean pairwise Jaccard index of the selected sets (NaN for fewer than 2)."""
    sets = [set(map(int, s)) for s in selected_sets]
    pairs = [len(a & b) / len(a | b) for a, b in itertools.combinations(sets, 2)]
    return float(np.mean(pairs)) if pairs else float("nan")


def stability_ceiling(hit_counts, k):
    """The no-repeat bound: the stability hit@k leaves room for when the
    other columns picked never repeat.

    Two top-k sets holding ``a`` and ``b`` relevant columns share at most
    ``min(a, b)`` of them; their other columns are noise or probes, drawn
    afresh with each seed's data. Counting no repeats among those, the
    pair's Jaccard index is ``m / (2k - m)`` with ``m = min(a, b)``.
    Returns the mean of that over all pairs of seeds (NaN for fewer than
    2). Not a ceiling: the other columns do repeat, by chance (a random
    top 10 of 50 columns shares 2 with another on average) or because a
    method prefers the same positions or probes in every seed (the column
    order is fixed, and the probes permute the same real columns), and
    then stability exceeds it. Where they do not repeat, a stability of
    0.9 needs about 9.5 relevant columns in a top 10 in every seed.
    """
    counts = [int(c) for c in hit_counts]
    pairs = [
        min(a, b) / (2 * k - min(a, b)) for a, b in itertools.combinations(counts, 2)
    ]
    return float(np.mean(pairs)) if pairs else float("nan")


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _load_mallinfo2():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        function = libc.mallinfo2
    except (OSError, AttributeError):  # not glibc >= 2.33
        return None
    function.restype = _MallInfo2
    return function


_MALLINFO2 = _load_mallinfo2()


def live_heap_bytes():
    """Bytes handed out by malloc and not yet freed (glibc only, else None).

    Counts NumPy and torch CPU tensors alike, but not memory the allocator
    keeps after a free, so it is the live size of the data, not the RSS.
    """
    if _MALLINFO2 is None:
        return None
    info = _MALLINFO2()
    return info.uordblks + info.hblkhd


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


class PeakRSS:
    """Context manager: peak growth of the resident set size, sampled.

    Also samples the live malloc heap (:func:`live_heap_bytes`): the RSS
    includes memory the allocator keeps after frees and one-time buffers, so
    two fits of the same data can differ by megabytes; the live heap cannot.
    """

    def __init__(self, interval=0.002):
        self.interval = interval
        self.peak_growth = 0
        self.peak_live_growth = None

    def _sample(self):
        while not self._stop.wait(self.interval):
            self._peak = max(self._peak, _rss_bytes())
            if self._live_start is not None:
                self._live_peak = max(self._live_peak, live_heap_bytes())

    def __enter__(self):
        self._live_start = self._live_peak = live_heap_bytes()
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
        if self._live_start is not None:
            self._live_peak = max(self._live_peak, live_heap_bytes())
            self.peak_live_growth = self._live_peak - self._live_start


def timed(fn, *args):
    """(result, seconds)."""
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def best_of(repeats, fn, *args):
    """(result of the last call, every call's seconds): call ``fn`` repeatedly.

    The fastest of several calls is the least disturbed by other work on a
    shared machine, and is what a matmul reference timed as a best case
    compares with.
    """
    seconds = []
    for _ in range(repeats):
        result, took = timed(fn, *args)
        seconds.append(took)
    return result, seconds


def profiled(fn, *args):
    """Call ``fn(*args)`` and measure its memory.

    Returns (result, seconds, peak RSS growth bytes, peak live-heap growth
    bytes or None where glibc's ``mallinfo2`` is missing). tracemalloc is
    not running: its own trace tables would count in both readings (at
    2000 x 500 they raised the RSS from 0.57-0.88 of the budget to
    0.75-1.04). :func:`traced_peak` measures the Python-level peak in a
    separate call.
    """
    with PeakRSS() as rss:
        result, seconds = timed(fn, *args)
    return result, seconds, rss.peak_growth, rss.peak_live_growth


def traced_peak(fn, *args):
    """Peak bytes of the allocations tracemalloc sees during ``fn(*args)``."""
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
