import io
import re

import pytest

from mlci.gha import ActionsRuntime, InputError, parse_bool


def read_outputs(path):
    """Parse a $GITHUB_OUTPUT file the way the runner does: name<<DELIM ... DELIM."""
    lines = path.read_text().split("\n")
    outputs, i = {}, 0
    while i < len(lines) and lines[i]:
        name, delimiter = lines[i].split("<<", 1)
        end = lines.index(delimiter, i + 1)
        outputs[name] = "\n".join(lines[i + 1 : end])
        i = end + 1
    return outputs


@pytest.fixture
def actions_env(tmp_path):
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "INPUT_FAIL-ON-DRIFT": "TRUE",
        "INPUT_MODE": "  yes  ",
        "INPUT_WITH_SPACE": "x",
    }


def test_outputs_survive_newlines_and_delimiter_text(actions_env, tmp_path):
    runtime = ActionsRuntime(env=actions_env, stream=io.StringIO())
    tricky = "line one\nghadelimiter_0000\nEOF\n<<EOF\nlast"
    runtime.set_output("report", tricky)
    runtime.set_output("passed", True)
    runtime.set_output("columns", ["a", "b"])
    outputs = read_outputs(tmp_path / "output")
    assert outputs == {"report": tricky, "passed": "true", "columns": '["a", "b"]'}


def test_each_output_gets_a_fresh_random_delimiter(actions_env, tmp_path):
    runtime = ActionsRuntime(env=actions_env, stream=io.StringIO())
    runtime.set_output("a", "1")
    runtime.set_output("b", "2")
    delimiters = re.findall(r"<<(ghadelimiter_[0-9a-f-]{36})", (tmp_path / "output").read_text())
    assert len(set(delimiters)) == 2


@pytest.mark.parametrize("word", ["true", "True", "TRUE"])
def test_bool_true_words(word):
    assert parse_bool("x", word) is True


@pytest.mark.parametrize("word", ["false", "False", "FALSE"])
def test_bool_false_words(word):
    assert parse_bool("x", word) is False


@pytest.mark.parametrize("word", ["yes", "no", "on", "1", "tRue", "y"])
def test_bool_rejects_yaml_11_words(word):
    with pytest.raises(InputError) as caught:
        parse_bool("fail-on-drift", word)
    assert "input 'fail-on-drift'" in caught.value.message
    assert "YAML 1.2" in caught.value.hint


def test_inputs_are_trimmed_and_bool_inputs_strict(actions_env):
    runtime = ActionsRuntime(env=actions_env, stream=io.StringIO())
    assert runtime.get_bool_input("fail-on-drift") is True
    assert runtime.get_input("mode") == "yes"
    assert runtime.get_input("with space") == "x"
    assert runtime.get_input("missing", default="d") == "d"
    with pytest.raises(InputError):
        runtime.get_bool_input("mode")
    with pytest.raises(InputError, match="required"):
        runtime.get_input("missing", required=True)


def test_summary_is_appended(actions_env, tmp_path):
    runtime = ActionsRuntime(env=actions_env, stream=io.StringIO())
    runtime.append_summary("# one")
    runtime.append_summary("two\n")
    assert (tmp_path / "summary").read_text() == "# one\ntwo\n"


def test_annotations_groups_and_masks_are_escaped(actions_env):
    stream = io.StringIO()
    runtime = ActionsRuntime(env=actions_env, stream=stream)
    runtime.error("50% bad\nsecond line", file="a,b:c.yaml", line=3, title="gate")
    runtime.mask("s3cret")
    with runtime.group("Train"):
        stream.write("inside\n")
    assert stream.getvalue().splitlines() == [
        "::error file=a%2Cb%3Ac.yaml,line=3,title=gate::50%25 bad%0Asecond line",
        "::add-mask::s3cret",
        "::group::Train",
        "inside",
        "::endgroup::",
    ]


def test_outside_actions_everything_degrades_to_local_files_and_plain_lines(tmp_path):
    stream = io.StringIO()
    runtime = ActionsRuntime(env={}, stream=stream, local_dir=tmp_path / "local")
    runtime.set_output("gate-passed", False)
    runtime.append_summary("hello")
    runtime.warning("careful", file="mlci.yaml", line=2)
    runtime.mask("secret")
    with runtime.group("Step"):
        pass
    assert read_outputs(tmp_path / "local" / "outputs.txt") == {"gate-passed": "false"}
    assert (tmp_path / "local" / "step-summary.md").read_text() == "hello\n"
    assert stream.getvalue() == "warning: mlci.yaml:2: careful\n== Step\n"
