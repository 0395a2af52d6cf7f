"""The example's own tests: what `build.test` runs in its CI workflow (CPU is enough)."""

import torch

from train import build_model, fit, make_data, pick_device, predict


def test_data_is_standardised_and_split():
    train_x, test_x, train_y, test_y = make_data({"samples": 400, "features": 6, "informative": 3})
    assert train_x.shape == (300, 6) and test_x.shape == (100, 6)
    assert abs(float(train_x.mean())) < 1e-6
    assert set(train_y) | set(test_y) == {0, 1}


def test_model_learns_better_than_chance_on_the_cpu():
    torch.manual_seed(0)
    train_x, test_x, train_y, test_y = make_data({"samples": 1000, "features": 8, "informative": 4})
    spec = {"epochs": 20, "batch_size": 64}
    model = fit(build_model(8, {"hidden": [16]}), train_x, train_y, spec, pick_device("cpu"), 0)
    accuracy = ((predict(model, test_x, pick_device("cpu")) >= 0.5) == test_y).mean()
    assert accuracy > 0.7
