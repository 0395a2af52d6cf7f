import pytest
from click.testing import CliRunner

from mlci.cli import cli
from mlci.config import MlciConfig, config_to_dict, load_config, parse_config
from mlci.config.schema import GateConfig
from mlci.errors import ConfigError


def test_empty_file_gives_every_default():
    assert parse_config("") == MlciConfig()
    assert parse_config("project: churn\n").project == "churn"


def test_full_example_config_loads():
    config = parse_config(
        """
project: churn
train:
  command: python train.py
  metrics: [metrics.json, eval/extra.yaml]
  runner: gpu
validate:
  gates:
    accuracy: {min: 0.85}
    roc_auc: {max_drop: 0.01}
data:
  current: {command: python fetch.py, path: data/current.parquet}
drift:
  columns: {exclude: [id]}
  correction: bh
retrain:
  when: {drift_share: 0.3, columns: [age]}
"""
    )
    assert config.train.metrics == ("metrics.json", "eval/extra.yaml")
    assert config.train.runner == ("gpu",)
    assert config.validate.gates["accuracy"] == GateConfig(min=0.85)
    assert config.validate.gates["roc_auc"].max_drop == 0.01
    assert config.data.current.path == "data/current.parquet"
    assert config.drift.columns.exclude == ("id",)
    assert config.retrain.when.columns == ("age",)
    assert config.drift.correction == "bh"


def test_ints_are_accepted_where_floats_are_expected():
    config = parse_config("validate: {gates: {accuracy: {min: 1}}}")
    assert config.validate.gates["accuracy"].min == 1.0
    assert isinstance(config.validate.gates["accuracy"].min, float)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "project: x\ntrian: {}\n",
            "mlci.yaml line 2: trian: unknown key. Fix: did you mean 'train'?",
        ),
        (
            "train:\n  runner: [a, 5]\n",
            "mlci.yaml line 2: train.runner[1]: expected a string, got 5. "
            'Fix: quote it, e.g. "5" (YAML reads 3.10 as the number 3.1)',
        ),
        (
            "train:\n  timeout_minutes: soon\n",
            "mlci.yaml line 2: train.timeout_minutes: expected an integer, got 'soon'. "
            "Fix: set it to an integer",
        ),
        (
            "drift:\n  correction: holm\n",
            "mlci.yaml line 2: drift.correction: expected one of bonferroni, bh, none, "
            "got 'holm'. Fix: use one of: bonferroni, bh, none",
        ),
        (
            "validate:\n  gates:\n    accuracy: {minimum: 0.8}\n",
            "mlci.yaml line 3: validate.gates.accuracy.minimum: unknown key. "
            "Fix: did you mean 'min'?",
        ),
        (
            "build: [a, b]\n",
            "mlci.yaml line 1: build: expected a mapping, got a list. Fix: write it as key: value",
        ),
        (
            "- just\n- a list\n",
            "mlci.yaml: (top level): expected a mapping, got a list. Fix: write it as key: value",
        ),
        (
            "train:\n  require_gpu: maybe\n",
            "mlci.yaml line 2: train.require_gpu: expected true or false, got 'maybe'. "
            "Fix: set it to true or false",
        ),
    ],
)
def test_invalid_config_messages(text, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert caught.value.one_line() == message


def test_unknown_key_without_a_close_match_lists_known_keys():
    with pytest.raises(ConfigError) as caught:
        parse_config("zzz: 1\n")
    assert "known keys here: baseline, build, data, deploy, drift" in caught.value.one_line()


def test_bad_yaml_names_the_line():
    with pytest.raises(ConfigError) as caught:
        parse_config("project: x\ntrain:\n  runner: [a\n", "conf/mlci.yaml")
    assert caught.value.one_line().startswith("conf/mlci.yaml line 4: ")
    assert "Fix: fix the YAML syntax" in caught.value.one_line()


def test_missing_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_config() == MlciConfig()  # no file: defaults
    with pytest.raises(ConfigError, match=r"mlci\.yaml: file not found"):
        load_config(required=True)
    with pytest.raises(ConfigError, match=r"other\.yaml: file not found"):
        load_config("other.yaml")


def test_round_trip_through_show(tmp_path):
    import yaml

    source = tmp_path / "mlci.yaml"
    source.write_text("project: churn\ntrain: {runner: [gpu]}\n")
    result = CliRunner().invoke(cli, ["config", "show", "--config", str(source)])
    assert result.exit_code == 0, result.output
    shown = yaml.safe_load(result.output)
    assert shown == config_to_dict(load_config(source))
    assert parse_config(result.output) == load_config(source)


def test_show_json(tmp_path):
    import json

    source = tmp_path / "mlci.yaml"
    source.write_text("project: churn\n")
    result = CliRunner().invoke(cli, ["config", "show", "--json", "--config", str(source)])
    assert json.loads(result.output)["project"] == "churn"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("trian: {}\n", "Error: {path} line 1: trian: unknown key. Fix: did you mean 'train'?\n"),
        (
            "train:\n  timeout_minutes: [1]\n",
            "Error: {path} line 2: train.timeout_minutes: "
            "expected an integer, got a list. Fix: set it to an integer\n",
        ),
        ("a: [\n", None),
    ],
)
def test_validate_command_exits_2_with_one_line(tmp_path, content, expected):
    source = tmp_path / "mlci.yaml"
    source.write_text(content)
    result = CliRunner().invoke(cli, ["config", "validate", str(source)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    if expected:
        assert result.output == expected.format(path=source)


def test_validate_command_missing_file_and_success(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["config", "validate"])
    assert result.exit_code == 2
    assert result.output == (
        "Error: mlci.yaml: file not found. Fix: run `mlci init` to create one, "
        "or pass --config with the right path\n"
    )
    (tmp_path / "mlci.yaml").write_text("project: ok\n")
    result = CliRunner().invoke(cli, ["config", "validate"])
    assert (result.exit_code, result.output) == (0, "mlci.yaml: valid\n")


def test_example_config_is_valid():
    from pathlib import Path

    import mlci

    example = Path(mlci.__file__).parent / "example" / "mlci.yaml"
    config = load_config(example)
    assert config.project == "churn-example"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "train:\n  timeout_minutes: -5\n",
            "mlci.yaml line 2: train.timeout_minutes: -5 is out of range. "
            "Fix: set it to a number at least 1",
        ),
        (
            "validate:\n  gates:\n    auc: {max_drop: -1}\n",
            "mlci.yaml line 3: validate.gates.auc.max_drop: -1 is out of range. "
            "Fix: set it to a number at least 0",
        ),
        (
            "drift:\n  drift_share: 1.5\n",
            "mlci.yaml line 2: drift.drift_share: 1.5 is out of range. "
            "Fix: set it to a number between 0 and 1",
        ),
        (
            "retrain:\n  when: {psi: -0.1}\n",
            "mlci.yaml line 2: retrain.when.psi: -0.1 is out of range. "
            "Fix: set it to a number at least 0",
        ),
    ],
)
def test_numbers_out_of_range_are_refused(text, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert caught.value.one_line() == message
