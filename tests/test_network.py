"""The batched ensemble's flat parameter buffer and its Adam optimizer."""

import copy

import pytest
import torch

from skcancelout._network import GatedEnsemble
from skcancelout._training import EnsembleAdam

D, K = 6, 3


def ensemble(seed=0):
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    return GatedEnsemble(
        n_features=D,
        n_outputs=2,
        hidden_layer_sizes=(5, 4),
        n_estimators=K,
        gate_activation="sigmoid",
        gate_init=1.0,
        generator=generator,
        shift=torch.zeros(D),
        scale=torch.ones(D),
        device=torch.device("cpu"),
    )


def loss_of(model, x, y):
    out = model(x)
    return torch.nn.functional.cross_entropy(out.reshape(-1, 2), y.repeat(K))


def test_parameters_and_gradients_live_in_one_buffer_across_steps():
    model = ensemble()
    optimizer = EnsembleAdam(model, lr=0.01, weight_decay={})
    x, y = torch.randn(20, D), torch.randint(0, 2, (20,))
    flat, grad = model.flat.data_ptr(), model.flat_grad.data_ptr()
    for _ in range(3):
        optimizer.zero_grad()
        loss_of(model, x, y).backward()
        optimizer.step()
    for param in model.parameters():
        part = model.segments[param]
        assert param.data_ptr() == flat + 4 * part.start
        assert param.grad.data_ptr() == grad + 4 * part.start
        torch.testing.assert_close(param.detach().reshape(-1), model.flat[part])
    # Segments tile the buffer exactly.
    starts = sorted((p.start, p.stop) for p in model.segments.values())
    assert starts[0][0] == 0 and starts[-1][1] == model.flat.numel()
    assert all(a[1] == b[0] for a, b in zip(starts, starts[1:], strict=False))


def test_gradients_cannot_be_set_to_none():
    # Would silently detach the gradients from the buffer the optimizer reads.
    with pytest.raises(ValueError, match="zero them instead"):
        ensemble().zero_grad(set_to_none=True)


@pytest.mark.parametrize("fused", [True, False], ids=["fused-kernel", "plain-ops"])
def test_ensemble_adam_matches_torch_adam_with_per_group_weight_decay(fused):
    model = ensemble()
    reference = copy.deepcopy(model)
    # deepcopy gives the reference its own, unshared parameters.
    assert reference.gate.data_ptr() != model.gate.data_ptr()
    first, *rest = model.weights
    decay = {first: 0.05, **{w: 0.01 for w in rest}}
    ours = EnsembleAdam(model, lr=0.02, weight_decay=decay)
    # The plain path is what builds without the fused kernel run.
    ours.fused = ours.fused and fused
    ref_first, *ref_rest = reference.weights
    theirs = torch.optim.Adam(
        [
            {"params": [reference.gate, *reference.biases], "weight_decay": 0.0},
            {"params": ref_rest, "weight_decay": 0.01},
            {"params": [ref_first], "weight_decay": 0.05},
        ],
        lr=0.02,
    )
    x, y = torch.randn(30, D), torch.randint(0, 2, (30,))
    for _ in range(25):
        ours.zero_grad()
        loss_of(model, x, y).backward()
        ours.step()
        theirs.zero_grad()
        for param in reference.parameters():
            param.grad = None
        loss_of(reference, x, y).backward()
        theirs.step()
    for mine, ref in zip(model.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(mine, ref, rtol=1e-5, atol=1e-6)
    assert ours.fused == (fused and hasattr(torch, "_fused_adam_"))


def test_optimizer_state_round_trips():
    model = ensemble()
    optimizer = EnsembleAdam(model, lr=0.01, weight_decay={})
    x, y = torch.randn(20, D), torch.randint(0, 2, (20,))
    loss_of(model, x, y).backward()
    optimizer.step()
    state = copy.deepcopy(optimizer.state_dict())
    restored = EnsembleAdam(model, lr=0.01, weight_decay={})
    restored.load_state_dict(state)
    saved = restored.state_dict()["state"][0]
    torch.testing.assert_close(saved["exp_avg"], state["state"][0]["exp_avg"])
    assert float(saved["step"]) == 1.0


@pytest.mark.parametrize("fused", [True, False], ids=["fused-kernel", "plain-ops"])
def test_a_reset_optimizer_steps_as_a_new_one(fused):
    # The NaN backoff restores the parameters and resets Adam: the steps
    # after it must be those of a fresh optimizer, not of stale moments.
    model = ensemble()
    optimizer = EnsembleAdam(model, lr=0.01, weight_decay={})
    optimizer.fused = optimizer.fused and fused
    x, y = torch.randn(20, D), torch.randint(0, 2, (20,))
    for _ in range(3):
        optimizer.zero_grad()
        loss_of(model, x, y).backward()
        optimizer.step()
    reference = ensemble(seed=1)
    reference.load_state_dict(model.state_dict())
    fresh = EnsembleAdam(reference, lr=0.01, weight_decay={})
    fresh.fused = fresh.fused and fused
    optimizer.reset()
    for _ in range(2):
        for net, adam in ((model, optimizer), (reference, fresh)):
            adam.zero_grad()
            loss_of(net, x, y).backward()
            adam.step()
    torch.testing.assert_close(model.flat, reference.flat, rtol=0, atol=0)
    assert optimizer.state_dict()["state"][0]["step"] == 2


def test_a_model_built_without_a_generator_takes_a_loaded_state_whole():
    # partial_fit builds its networks this way before loading the saved
    # weights, so drawing initial ones is skipped; every entry is loaded.
    trained = ensemble(seed=3)
    empty = ensemble(seed=None)
    empty.load_state_dict(trained.state_dict())
    x = torch.randn(7, D)
    torch.testing.assert_close(empty(x), trained(x), rtol=0, atol=0)
    for name, param in empty.named_parameters():
        assert param.data_ptr() != trained.get_parameter(name).data_ptr()
