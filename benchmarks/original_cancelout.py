"""The original CancelOut recipe, re-implemented as published.

MLP(d, d+10, d+10) with ReLU behind a gate ``x * sigmoid(w)``, ``w`` initialised
to 4; Adam (lr 0.005), batch 32, 100 epochs; loss = task loss
+ 0.001 * sum(sigmoid(w)) - 0.001 * var(w); features ranked by the raw ``w``.
X is standardised first. All randomness comes from a local
``torch.Generator`` seeded with ``seed``.
"""

import math

import numpy as np
import torch
from sklearn.preprocessing import StandardScaler
from torch import nn

LEARNING_RATE = 0.005
BATCH_SIZE = 32
EPOCHS = 100
GATE_INIT = 4.0
LAMBDA_SUM = 0.001
LAMBDA_VAR = 0.001


class _GatedMLP(nn.Module):
    def __init__(self, n_features, n_outputs):
        super().__init__()
        hidden = n_features + 10
        self.gate = nn.Parameter(torch.full((n_features,), GATE_INIT))
        self.mlp = nn.Sequential(
            nn.Linear(n_features, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, n_outputs),
        )

    def forward(self, x):
        return self.mlp(x * torch.sigmoid(self.gate))

    def penalty(self):
        return (
            LAMBDA_SUM * torch.sigmoid(self.gate).sum() - LAMBDA_VAR * self.gate.var()
        )


def _reset_linear(layer, generator):
    """PyTorch's default Linear init, drawn from a local generator."""
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    bound = 1.0 / math.sqrt(layer.in_features)
    nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


def _targets(y, kind):
    if kind == "classification":
        codes = np.unique(y, return_inverse=True)[1]
        return torch.as_tensor(codes, dtype=torch.long), int(codes.max()) + 1
    y2 = np.asarray(y, dtype=np.float32).reshape(len(y), -1)
    y2 = (y2 - y2.mean(axis=0)) / (y2.std(axis=0) + 1e-12)
    return torch.as_tensor(y2), y2.shape[1]


def _train(model, X, y, loss_fn, generator):
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    for _ in range(EPOCHS):
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), BATCH_SIZE):
            idx = order[start : start + BATCH_SIZE]
            optimizer.zero_grad()
            loss = loss_fn(model(X[idx]), y[idx]) + model.penalty()
            loss.backward()
            optimizer.step()


def original_cancelout(X, y, kind, seed):
    """Raw gate weights ``w`` after training: the original ranking."""
    generator = torch.Generator().manual_seed(int(seed))
    Xt = torch.as_tensor(StandardScaler().fit_transform(X), dtype=torch.float32)
    yt, n_outputs = _targets(y, kind)
    model = _GatedMLP(Xt.shape[1], n_outputs)
    for layer in model.mlp:
        if isinstance(layer, nn.Linear):
            _reset_linear(layer, generator)
    loss_fn = nn.CrossEntropyLoss() if kind == "classification" else nn.MSELoss()
    _train(model, Xt, yt, loss_fn, generator)
    return model.gate.detach().numpy().astype(np.float64)
