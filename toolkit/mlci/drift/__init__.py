"""The drift engine: reference profiles, statistical tests, reports and the retraining rule.

Public API:
    run_check(reference, current, config=None, rule=None, *, ...) -> DriftResult
    build_profile(data, config=None, *, ...) -> DatasetProfile
    merge_profiles([...]) -> DatasetProfile; load_profile(path); save_profile(profile, path)
"""

from __future__ import annotations

from mlci.drift.api import build_profile
from mlci.drift.engine import run_check
from mlci.drift.profile import DatasetProfile, load_profile, merge_profiles, save_profile
from mlci.drift.result import ColumnResult, DriftResult, Finding, RetrainDecision

__all__ = [
    "ColumnResult",
    "DatasetProfile",
    "DriftResult",
    "Finding",
    "RetrainDecision",
    "build_profile",
    "load_profile",
    "merge_profiles",
    "run_check",
    "save_profile",
]
