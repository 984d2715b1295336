"""Training computes its gradients by hand; they must equal autograd's."""

import itertools

import pytest
import torch

from skcancelout import gate_penalty
from skcancelout._layer import gate_values, gate_values_backward, penalty_with_grad
from skcancelout._network import GatedEnsemble, GatedMLP
from skcancelout._training import (
    CLASSES_LAST_AXIS,
    LOSS_GROWTH_LIMIT,
    DivergedError,
    TrainingSettings,
    masked_input,
    task_loss,
    training_step,
)

D, K, BATCH = 7, 3, 11
N_OUTPUTS = {"binary": 2, "multiclass": 4, "regression": 2, "multilabel": 3}


def make_model(task, hidden, activation, seed=0):
    generator = torch.Generator().manual_seed(seed)
    model = GatedEnsemble(
        n_features=D,
        n_outputs=N_OUTPUTS.get(task, D),
        hidden_layer_sizes=hidden,
        n_estimators=K,
        gate_activation=activation,
        gate_init=0.5,
        generator=generator,
        shift=torch.randn(D, generator=generator),
        scale=torch.rand(D, generator=generator) + 0.5,
        device=torch.device("cpu"),
    )
    with torch.no_grad():  # gates apart, so the penalty terms are not trivial
        model.gate.add_(torch.randn(K, D, generator=generator))
    return model


def make_batch(task, model, weighted, seed=1):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(BATCH, D, generator=generator) * 2 + 1
    n_out = N_OUTPUTS.get(task)
    if task in ("binary", "multiclass"):
        target = torch.randint(0, n_out, (BATCH,), generator=generator)
    elif task == "multilabel":
        target = (torch.rand(BATCH, n_out, generator=generator) < 0.5).float()
    elif task == "regression":
        target = torch.randn(BATCH, n_out, generator=generator)
    else:
        target = None
    x, x_std, mask = masked_input(model, x, task, generator)
    weight = torch.rand(BATCH, generator=generator) + 0.1 if weighted else None
    return model.center(x), target, x_std, weight, mask


def autograd_step(model, batch, keep, settings):
    x, target, x_std, weight, mask = batch
    model.zero_grad()
    output = model(x, keep=keep)
    loss = task_loss(settings.task, output, target, x_std, weight, mask).sum()
    loss = loss + model.penalty(settings.penalty, settings.alpha, settings.beta)
    loss.backward()
    return loss.detach(), model.flat_grad.clone()


CASES = [
    # every task with the defaults' architecture, weighted or not
    *[
        (task, (5, 4), "sigmoid", "gates", w)
        for task in [*N_OUTPUTS, "reconstruction"]
        for w in (False, True)
    ],
    # the other gate activation and penalty, and other depths
    ("multiclass", (5, 4), "softmax", "gates", False),
    ("binary", (5,), "sigmoid", "l1l2", True),
    ("regression", (), "softmax", "l1l2", False),
    ("reconstruction", (6, 5, 4), "sigmoid", "gates", True),
]


@pytest.mark.parametrize(
    "dropout", [False, True], ids=["all-features", "feature-dropout"]
)
@pytest.mark.parametrize(("task", "hidden", "activation", "penalty", "weighted"), CASES)
def test_training_step_matches_autograd(
    task, hidden, activation, penalty, weighted, dropout
):
    model = make_model(task, hidden, activation)
    batch = make_batch(task, model, weighted)
    keep = None
    if dropout:
        keep = (
            torch.rand(K, D, generator=torch.Generator().manual_seed(2)) > 0.3
        ) / 0.7
    settings = TrainingSettings(task=task, penalty=penalty, alpha=0.05, beta=0.01)
    expected_loss, expected = autograd_step(model, batch, keep, settings)
    model.flat_grad.fill_(123.0)  # every entry must be overwritten
    loss = training_step(model, *batch, keep, settings)
    assert isinstance(loss, float)
    assert loss == pytest.approx(float(expected_loss), rel=1e-5, abs=1e-6)
    torch.testing.assert_close(model.flat_grad, expected, rtol=1e-4, atol=1e-6)
    assert float(model.flat_grad.abs().max()) > 0


@pytest.mark.parametrize("n_classes", [CLASSES_LAST_AXIS - 1, CLASSES_LAST_AXIS + 4])
def test_both_softmax_layouts_give_cross_entropy_and_its_gradient(
    monkeypatch, n_classes
):
    # Few classes take the softmax over a transposed copy, many over the
    # last axis; each must be the cross-entropy, with autograd's gradient.
    monkeypatch.setitem(N_OUTPUTS, "multiclass", n_classes)
    for weighted in (False, True):
        test_training_step_matches_autograd(
            "multiclass", (5, 4), "sigmoid", "gates", weighted, False
        )
    output = torch.randn(
        K, BATCH, n_classes, generator=torch.Generator().manual_seed(0)
    )
    target = torch.arange(BATCH) % n_classes
    expected = torch.stack(
        [torch.nn.functional.cross_entropy(net, target) for net in output]
    )
    torch.testing.assert_close(
        task_loss("multiclass", output, target, None, None), expected
    )


def test_training_step_raises_before_writing_gradients():
    model = make_model("binary", (5,), "sigmoid")
    x, target, x_std, weight, mask = make_batch("binary", model, False)
    x[0, 0] = float("inf")
    model.flat_grad.fill_(7.0)
    settings = TrainingSettings(task="binary", penalty="gates", alpha=0.05, beta=0.01)
    with pytest.raises(DivergedError):
        training_step(model, x, target, x_std, weight, mask, None, settings)
    assert bool((model.flat_grad == 7.0).all())


def test_training_step_sets_a_loss_limit_then_raises_beyond_it():
    # A finite loss that explodes is a divergence too: the first step sets
    # the limit (LOSS_GROWTH_LIMIT times its task loss, at least that many
    # times 1), a later step above it raises before writing gradients.
    model = make_model("binary", (5,), "sigmoid")
    x, target, x_std, weight, mask = make_batch("binary", model, False)
    settings = TrainingSettings(task="binary", penalty="gates", alpha=0.05, beta=0.01)
    assert settings.loss_limit is None
    training_step(model, x, target, x_std, weight, mask, None, settings)
    assert settings.loss_limit == LOSS_GROWTH_LIMIT  # log(2) < 1: the floor
    training_step(model, x, target, x_std, weight, mask, None, settings)
    model.flat_grad.fill_(7.0)
    # Scaled-up weights make huge, confident outputs: a finite loss far
    # over the limit.
    with torch.no_grad():
        model.flat.mul_(300.0)
    with pytest.raises(DivergedError, match="times its start"):
        training_step(model, x, target, x_std, weight, mask, None, settings)
    assert bool((model.flat_grad == 7.0).all())


@pytest.mark.parametrize("hidden", [(), (4,), (4, 3)], ids=["no-hidden", "one", "two"])
def test_gated_mlp_backward_passes_gradcheck(hidden):
    generator = torch.Generator().manual_seed(0)

    def tensor(*shape):
        values = torch.randn(*shape, generator=generator, dtype=torch.float64)
        return values.requires_grad_()

    sizes = [5, *hidden, 2]
    layers = [tensor(5, 2, sizes[1]), tensor(2, 1, sizes[1])]
    for fan_in, fan_out in zip(sizes[1:-1], sizes[2:], strict=True):
        layers += [tensor(2, fan_in, fan_out), tensor(2, 1, fan_out)]
    inputs = (tensor(6, 5), tensor(2, 5), *layers)
    assert torch.autograd.gradcheck(GatedMLP.apply, inputs)


@pytest.mark.parametrize(
    ("kind", "activation", "n_features", "start"),
    list(
        itertools.product(
            ("gates", "l1l2"), ("sigmoid", "softmax"), (1, 6), ("zeros", "random")
        )
    ),
)
def test_penalty_with_grad_matches_gate_penalty_and_autograd(
    kind, activation, n_features, start
):
    weight = torch.zeros(K, n_features)
    if start == "random":
        weight = torch.randn(K, n_features, generator=torch.Generator().manual_seed(0))
    leaf = weight.clone().requires_grad_()
    expected = gate_penalty(leaf, kind, 0.03, 0.02, activation)
    expected.backward()
    gates = gate_values(weight, activation)
    value, through_gates, direct = penalty_with_grad(
        weight, kind, 0.03, 0.02, activation, gates
    )
    grad = gate_values_backward(gates, through_gates, activation) + direct
    torch.testing.assert_close(value, expected.detach())
    torch.testing.assert_close(grad, leaf.grad)
