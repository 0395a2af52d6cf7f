"""Versions, GTO counters and the rollback rule, on tag lists (no git)."""

from __future__ import annotations

from mlci.release.stages import plan_promotion, read_model_tags
from mlci.release.tags import TagRef
from mlci.release.versions import Version, next_version, parse_version_spec


def test_first_version_then_bumps():
    assert str(next_version([])) == "v0.1.0"
    existing = [Version(0, 1, 0), Version(0, 1, 3), Version(0, 1, 1)]
    assert str(next_version(existing)) == "v0.1.4"
    assert str(next_version(existing, "minor")) == "v0.2.0"
    assert str(next_version(existing, "major")) == "v1.0.0"


def test_version_specs():
    assert parse_version_spec("churn@v1.2.3") == ("churn", Version(1, 2, 3))
    assert parse_version_spec("churn@1.2.3") is None
    assert parse_version_spec("churn#prod#1") is None
    assert parse_version_spec("churn@v1.2.3#4") is None


def test_other_models_tags_are_ignored_and_counters_are_shared():
    tags = read_model_tags(
        "churn",
        [
            TagRef("churn@v0.1.0", "c1"),
            TagRef("churn-v2@v9.0.0", "c9"),
            TagRef("churn#dev#1", "c1"),
            TagRef("churn#prod!#4", "c1"),
            TagRef("other#prod#7", "c1"),
            TagRef("release-2024", "c1"),
        ],
    )
    assert [str(v.version) for v in tags.versions] == ["v0.1.0"]
    assert tags.highest_counter == 4
    assert tags.stages_of(tags.versions[0]) == ("dev",)


def test_promotion_takes_the_next_counter_and_is_idempotent():
    tags = read_model_tags("churn", [TagRef("churn@v0.1.0", "c1"), TagRef("churn#dev#1", "c1")])
    [write] = plan_promotion(tags, tags.versions[0], "prod")
    assert (write.name, write.commit) == ("churn#prod#2", "c1")
    assert write.message == "Assigning stage prod to artifact churn version v0.1.0"
    assert plan_promotion(tags, tags.versions[0], "dev") == ()


def test_rollback_unassigns_the_higher_version():
    tags = read_model_tags(
        "churn",
        [
            TagRef("churn@v0.1.0", "c1"),
            TagRef("churn@v0.1.1", "c2"),
            TagRef("churn#prod#1", "c1"),
            TagRef("churn#prod#2", "c2"),
        ],
    )
    assert {s: str(v.version) for s, v in tags.current().items()} == {"prod": "v0.1.1"}
    # v0.1.0 is still "in" prod by its own tags, but shadowed by v0.1.1.
    writes = plan_promotion(tags, tags.versions[0], "prod")
    assert [(w.name, w.commit) for w in writes] == [("churn#prod#3", "c1"), ("churn#prod!#4", "c2")]
    after = read_model_tags("churn", [*_refs(tags), *(TagRef(w.name, w.commit) for w in writes)])
    assert {s: str(v.version) for s, v in after.current().items()} == {"prod": "v0.1.0"}


def _refs(tags):
    yield from (TagRef(v.tag, v.commit) for v in tags.versions)
    yield from (TagRef(e.tag, e.commit) for e in tags.events)
