"""Names the estimator validates before any torch code runs."""

GATE_ACTIVATIONS = ("sigmoid", "softmax")
PENALTIES = ("gates", "l1l2")
