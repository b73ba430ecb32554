"""Scaling out with verl (PPO on Ray): tasks.jsonl as verl's RL parquet files, the reward
wiring (verl's ``custom_reward_function`` pointed at llmcc/reward.py), and the
``verl.trainer.main_ppo`` command with the research's settings: GAE with gamma = lambda = 1,
clip ratio 0.2, no KL, actor lr 1e-6, critic lr 1e-5.

Each parquet row is ``data_source`` ("llmcc"), ``prompt`` (the task's chat messages),
``ability``, ``reward_model`` ``{"style": "rule", "ground_truth": the task as JSON}`` and
``extra_info`` ``{"split", "index", "task_id", "reward_design"}``; verl hands
``ground_truth`` and ``extra_info`` to ``compute_score``, which judges the answer against
the task they carry.
"""

from __future__ import annotations

import json
import os
import shlex
from typing import NamedTuple

from llmcc.dataset.records import load_tasks
from llmcc.errors import LlmccError

DATA_SOURCE = "llmcc"
ABILITY = "code/assembly-optimization"
REWARD_MANAGERS = {"naive": "compute_score", "batch": "compute_score_batch"}


class VerlExport(NamedTuple):
    train: str  # train.parquet
    eval: str  # eval.parquet
    wiring: str  # reward.yaml: verl's custom_reward_function section
    script: str  # run_verl.sh: the command, ready to run on the cluster's head node
    command: list[str]  # python3 -m verl.trainer.main_ppo key=value ...
    notes: tuple[str, ...] = ()  # what a user should know (e.g. no eval split)

    @property
    def command_line(self) -> str:
        return shlex.join(self.command)


def verl_rows(tasks: list[dict], design: str) -> list[dict]:
    return [{
        "data_source": DATA_SOURCE,
        "prompt": [{"role": m["role"], "content": m["content"]} for m in task["messages"]],
        "ability": ABILITY,
        "reward_model": {"style": "rule", "ground_truth": json.dumps(task, ensure_ascii=False)},
        "extra_info": {"split": task["split"], "index": i, "task_id": task["id"],
                       "reward_design": design},
    } for i, task in enumerate(tasks)]


def write_parquet(rows: list[dict], path: str) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise LlmccError("writing verl's parquet files needs pyarrow (pip install pyarrow)") \
            from None
    pq.write_table(pa.Table.from_pylist(rows), path)


def reward_path() -> str:
    """llmcc/reward.py of this installation: the file verl loads compute_score from."""
    from llmcc import reward

    return os.path.abspath(reward.__file__)


def export_verl(tasks_path: str, out_dir: str, model: str, *, design: str = "guided",
                n_gpus: int = 1, nnodes: int = 1, epochs: int = 1, batch_size: int = 8,
                mini_batch_size: int | None = None, rollout_n: int = 1,
                max_prompt_length: int = 4096, max_response_length: int = 2048,
                reward_manager: str = "naive", rollout: str = "vllm",
                extra: tuple[str, ...] = ()) -> VerlExport:
    """Write ``out_dir``/{train,eval}.parquet, reward.yaml and run_verl.sh for the tasks of
    ``tasks_path``; the verl PPO command training ``model`` (a Hugging Face folder or hub
    name, as the cluster sees it). ``extra`` holds further key=value overrides."""
    from llmcc.reward import DESIGNS

    if design not in DESIGNS:
        raise LlmccError(f"unknown reward design {design!r} (one of {', '.join(DESIGNS)})")
    if reward_manager not in REWARD_MANAGERS:
        raise LlmccError(f"unknown reward manager {reward_manager!r} "
                         f"(one of {', '.join(REWARD_MANAGERS)})")
    mini = mini_batch_size or batch_size
    if batch_size < 1 or mini < 1 or batch_size % mini:
        raise LlmccError(f"the mini-batch size ({mini}) must divide the batch size "
                         f"({batch_size})")
    tasks = load_tasks(tasks_path)
    train = [t for t in tasks if t["split"] == "train"]
    held_out = [t for t in tasks if t["split"] == "eval"]
    notes: list[str] = []
    if not train:
        raise LlmccError(f"{tasks_path}: no task in the train split")
    if not held_out:
        notes.append("no eval split: validation runs on the train tasks")
        held_out = train
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise LlmccError(f"{out_dir}: cannot create: {exc.strerror or exc}") from None
    train_path = os.path.abspath(os.path.join(out_dir, "train.parquet"))
    eval_path = os.path.abspath(os.path.join(out_dir, "eval.parquet"))
    write_parquet(verl_rows(train, design), train_path)
    write_parquet(verl_rows(held_out, design), eval_path)

    function = REWARD_MANAGERS[reward_manager]
    wiring = os.path.abspath(os.path.join(out_dir, "reward.yaml"))
    with open(wiring, "w", encoding="utf-8") as fh:
        fh.write("# llmcc's reward for verl: verl imports the function from this file\n"
                 f"custom_reward_function:\n  path: {json.dumps(reward_path())}\n"
                 f"  name: {function}\n"
                 f"reward_model:\n  reward_manager: {reward_manager}\n")
    command = [
        "python3", "-m", "verl.trainer.main_ppo",
        "algorithm.adv_estimator=gae", "algorithm.gamma=1.0", "algorithm.lam=1.0",
        "algorithm.use_kl_in_reward=False",
        f"data.train_files={train_path}", f"data.val_files={eval_path}",
        "data.prompt_key=prompt", f"data.train_batch_size={batch_size}",
        f"data.max_prompt_length={max_prompt_length}",
        f"data.max_response_length={max_response_length}",
        "data.filter_overlong_prompts=True", "data.truncation=error",
        f"actor_rollout_ref.model.path={model}",
        "actor_rollout_ref.actor.optim.lr=1e-6", "actor_rollout_ref.actor.clip_ratio=0.2",
        "actor_rollout_ref.actor.use_kl_loss=False", "actor_rollout_ref.actor.entropy_coeff=0",
        f"actor_rollout_ref.actor.ppo_mini_batch_size={mini}",
        "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=1",
        f"actor_rollout_ref.rollout.name={rollout}", f"actor_rollout_ref.rollout.n={rollout_n}",
        "actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=1",
        "actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=1",
        f"critic.model.path={model}", "critic.optim.lr=1e-5",
        "critic.ppo_micro_batch_size_per_gpu=1",
        f"custom_reward_function.path={reward_path()}",
        f"custom_reward_function.name={function}",
        f"reward_model.reward_manager={reward_manager}",
        f"trainer.n_gpus_per_node={n_gpus}", f"trainer.nnodes={nnodes}",
        f"trainer.total_epochs={epochs}", "trainer.project_name=llmcc",
        f"trainer.experiment_name={os.path.basename(os.path.abspath(out_dir))}",
        "trainer.logger=['console']",
        f"trainer.default_local_dir={os.path.abspath(os.path.join(out_dir, 'checkpoints'))}",
        *extra,
    ]
    script = os.path.join(out_dir, "run_verl.sh")
    with open(script, "w", encoding="utf-8") as fh:
        fh.write("#!/bin/sh\n# PPO with verl on llmcc's tasks and reward (written by llmcc)\n"
                 f"# the reward design is {design}; LLMCC_REWARD_CACHE sets where judgements "
                 "are cached\n"
                 + " \\\n    ".join(shlex.quote(a) for a in command) + "\n")
    os.chmod(script, 0o755)
    return VerlExport(train_path, eval_path, wiring, os.path.abspath(script), command,
                      tuple(notes))
