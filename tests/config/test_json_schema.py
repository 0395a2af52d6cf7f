"""The committed JSON Schema of mlci.yaml is the one the dataclasses give, and it holds
for the example configs. Refresh it with MLCI_UPDATE_SCHEMA=1 pytest tests/config."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from mlci.cli import cli
from mlci.config.json_schema import SCHEMA_FILE, config_json_schema, schema_text

PACKAGE = Path(__file__).resolve().parents[2] / "toolkit" / "mlci"
EXAMPLES = [PACKAGE / "example" / "mlci.yaml", PACKAGE / "example_torch" / "mlci.yaml"]


def test_committed_schema_is_fresh() -> None:
    assert SCHEMA_FILE == PACKAGE / "schemas" / "mlci.schema.json"
    fresh = schema_text()
    if os.environ.get("MLCI_UPDATE_SCHEMA") == "1":
        SCHEMA_FILE.parent.mkdir(exist_ok=True)
        SCHEMA_FILE.write_text(fresh, encoding="utf-8")
    assert SCHEMA_FILE.read_text(encoding="utf-8") == fresh, (
        "toolkit/mlci/schemas/mlci.schema.json is stale: "
        "run MLCI_UPDATE_SCHEMA=1 python3 -m pytest tests/config/test_json_schema.py"
    )


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(config_json_schema())


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_example_configs_validate_against_the_schema(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text())).validate(data)


def test_schema_walks_the_type_hints() -> None:
    schema = config_json_schema()
    drift = schema["properties"]["drift"]
    assert drift["additionalProperties"] is False
    assert drift["properties"]["correction"]["enum"] == ["bonferroni", "bh", "none"]
    assert drift["properties"]["alpha"]["minimum"] == 0
    assert drift["properties"]["alpha"]["maximum"] == 1
    assert drift["properties"]["alpha"]["description"].startswith("p-value level")
    assert drift["properties"]["thresholds"]["additionalProperties"] == {"type": "number"}
    runner = schema["properties"]["train"]["properties"]["runner"]
    assert runner["items"] == {"type": "string"} and "array" in runner["type"]
    checks = schema["properties"]["data"]["properties"]["checks"]["properties"]
    assert "plan" not in checks  # derived, not a key of mlci.yaml


@pytest.mark.parametrize(
    "data",
    [{"trian": {}}, {"drift": {"correction": "holm"}}, {"drift": {"alpha": 2}}],
)
def test_the_schema_refuses_what_the_loader_refuses(data: dict) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, config_json_schema())


def test_cli_prints_and_writes_the_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    printed = CliRunner().invoke(cli, ["config", "schema"], catch_exceptions=False)
    assert printed.exit_code == 0
    assert printed.stdout == schema_text()
    written = CliRunner().invoke(cli, ["config", "schema", "-o", "s/mlci.schema.json"])
    assert written.exit_code == 0, written.output
    assert (tmp_path / "s" / "mlci.schema.json").read_text() == schema_text()
