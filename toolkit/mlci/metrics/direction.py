"""Which way is better for a metric: from config first, then from its name."""

from __future__ import annotations

import fnmatch
import re
from typing import Literal

from mlci.config.schema import MetricsConfig

Direction = Literal["higher", "lower"]

# Name parts that mean "smaller is better". Matched against the words of the last
# key segment, so `val.loss`, `train_loss`, `log_loss` and `rmse` all match.
LOWER_WORDS = frozenset(
    {
        "loss",
        "error",
        "err",
        "rmse",
        "mse",
        "mae",
        "mape",
        "smape",
        "msle",
        "rmsle",
        "logloss",
        "brier",
        "perplexity",
        "ppl",
        "wer",
        "cer",
        "fpr",
        "fnr",
        "latency",
        "duration",
        "seconds",
        "time",
        "hamming",
        "divergence",
        "distance",
        "cost",
        "regret",
        "bias",
    }
)


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    leaf = name.rsplit(":", 1)[-1]
    return any(fnmatch.fnmatchcase(leaf, p) or fnmatch.fnmatchcase(name, p) for p in patterns)


def direction_of(name: str, config: MetricsConfig | None = None) -> Direction:
    """`higher` or `lower`; config lists (exact names or globs) win over name guesses."""
    if config is not None:
        if _matches(name, config.lower_is_better):
            return "lower"
        if _matches(name, config.higher_is_better):
            return "higher"
    leaf = name.rsplit(":", 1)[-1].rsplit(".", 1)[-1].lower()
    words = set(re.split(r"[^a-z0-9]+|(?<=[a-z])(?=[0-9])", leaf)) | {leaf.replace("_", "")}
    return "lower" if words & LOWER_WORDS else "higher"
