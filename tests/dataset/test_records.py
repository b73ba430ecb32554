"""tasks.jsonl: what a well-formed task is, and the one-line errors for files that are not."""

from __future__ import annotations

import json

import pytest

from llmcc.dataset.records import (
    DatasetError,
    check_task,
    load_tasks,
    select,
    split_of,
    write_tasks,
)

PROGRAM = {"id": "p:1", "kind": "program", "split": "eval", "program": "int main(){}",
           "tests": [{"input": "", "output": ""}], "baseline": "main:\n\tret\n",
           "prompt": "p", "messages": [], "compiler": "gcc", "flags": ["-O3"]}
FUNCTION = {"id": "a.c:f", "kind": "function", "split": "train", "source": "a.c",
            "unit": "int f(int x){return x;}", "function": "f", "compiler": "gcc",
            "flags": ["-O3"], "prompt": "p", "messages": [], "baseline": "f:\n\tret\n",
            "c_source": "int f(int x){return x;}"}


def test_tasks_round_trip(tmp_path):
    path = str(tmp_path / "t.jsonl")
    assert write_tasks(path, [FUNCTION, PROGRAM]) == 2
    assert load_tasks(path) == [FUNCTION, PROGRAM]
    assert select(load_tasks(path), "eval") == [PROGRAM]
    assert len(select(load_tasks(path), "all")) == 2


@pytest.mark.parametrize("content, message", [
    ("", "no tasks in the file"),
    ("\n\n", "no tasks in the file"),
    ("{not json\n", "line 1: not JSON"),
    ("[1, 2]\n", "line 1: a task must be a JSON object"),
    (json.dumps({**FUNCTION, "kind": "loop"}), "kind must be one of function, program"),
    (json.dumps({k: v for k, v in FUNCTION.items() if k != "unit"}), "needs 'unit'"),
    (json.dumps({**FUNCTION, "flags": "-O3"}), "'flags' must be a list"),
    (json.dumps({**FUNCTION, "split": "test"}), "split must be one of train, eval"),
    (json.dumps({**PROGRAM, "tests": []}), "at least one test"),
    (json.dumps({**PROGRAM, "tests": [{"input": 1, "output": ""}]}), "test 0 must be"),
    (json.dumps(FUNCTION) + "\n" + json.dumps(FUNCTION), "line 2: task id 'a.c:f' appears twice"),
])
def test_a_bad_tasks_file_is_one_error_naming_it(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(DatasetError) as err:
        load_tasks(str(path))
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_missing_tasks_file(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        load_tasks(str(tmp_path / "none.jsonl"))


def test_splits_depend_on_the_name_alone():
    names = [f"src/file{i}.c" for i in range(400)]
    first = [split_of(n, 0.2) for n in names]
    assert first == [split_of(n, 0.2) for n in names]
    assert 0.12 < first.count("eval") / len(names) < 0.28
    assert {split_of(n, 0.0) for n in names} == {"train"}
    assert {split_of(n, 1.0) for n in names} == {"eval"}
    # a larger eval share only moves sources into eval, never out of it
    assert all(split_of(n, 0.3) == "eval" for n, s in zip(names, first, strict=True)
               if s == "eval")


def test_check_task_accepts_both_kinds():
    assert check_task(FUNCTION) == "" and check_task(PROGRAM) == ""
