"""SFT warm start: real steps on a tiny Llama lower the loss on the known faster versions;
tasks without one are left out, and a file with none is refused naming the file."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from train_toys import toy_task, write_tasks  # noqa: E402

from llmcc.dataset.records import DatasetError  # noqa: E402
from llmcc.train.config import TrainConfig  # noqa: E402
from llmcc.train.loop import load_run_policy, prepare_run, train  # noqa: E402
from llmcc.train.metrics import read_log  # noqa: E402
from llmcc.train.sft import SFT  # noqa: E402


def _config(**kw):
    return TrainConfig(**{**dict(algo="sft", steps=10, batch_size=4, lr=1e-2, save_every=100),
                          **kw})


def test_sft_lowers_the_loss_on_known_faster_versions(tiny_model, tmp_path):
    tasks = [toy_task(i, best="\tpopcntl\t%edi, %eax\n\tret") for i in range(6)]
    tasks += [toy_task(10 + i, best=None) for i in range(3)]
    data = write_tasks(tmp_path / "tasks.jsonl", tasks)
    run = prepare_run(_config(), tiny_model, data, str(tmp_path / "out"), resume=False)
    assert len(run.tasks) == 6  # the three without a best are left out
    sft = SFT(run, load_run_policy(run))
    train(run, sft)
    losses = [r["loss"] for r in read_log(str(tmp_path / "out" / "train-log.jsonl"))]
    assert len(losses) == 10
    assert losses[-1] < 0.5 * losses[0]


def test_sft_without_any_best_is_refused(tiny_model, tmp_path):
    data = write_tasks(tmp_path / "tasks.jsonl", [toy_task(i, best=None) for i in range(3)])
    with pytest.raises(DatasetError, match=r"tasks\.jsonl.*best"):
        prepare_run(_config(), tiny_model, data, str(tmp_path / "out"), resume=False)
