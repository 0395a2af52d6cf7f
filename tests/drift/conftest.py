import numpy as np
import pandas as pd
import pytest


def make_frame(rng, n, *, shift=0.0, scale=1.0, mix=(0.5, 0.3, 0.2), nulls=0.0):
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:06d}" for i in range(n)],
            "tenure": rng.normal(30 + shift, 10 * scale, n),
            "charges": rng.gamma(2.0, 30.0, n),
            "calls": rng.poisson(2.0, n),
            "contract": rng.choice(["monthly", "yearly", "two-year"], n, p=list(mix)),
            "paperless": rng.random(n) < 0.6,
        }
    )
    if nulls:
        frame.loc[rng.random(n) < nulls, "charges"] = np.nan
    return frame


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
