"""QLoRA fine-tuning of the tiny model on CPU: loss, export, merge, checkpoints and resume."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from training_helpers import interrupt_in_second_epoch, lua_docs, small_config, write_docs
from mplt.errors import MpltError
from mplt.io import read_jsonl
from mplt.models.load import load_model
from mplt.training.loop import finetune
from mplt.training.model import merge_adapter

REPO = Path(__file__).resolve().parents[2]
PROBE = "local function add3(a, b)\n  return a +"


@pytest.fixture(scope="module")
def qlora_run(tiny_model_dir, train_jsonl, tmp_path_factory):
    cfg = small_config(tiny_model_dir, train_jsonl)
    return cfg, finetune(cfg, tmp_path_factory.mktemp("qlora") / "out", show_progress=False)


def logits(model, tokenizer, text=PROBE):
    model.eval()
    with torch.no_grad():
        return model(**tokenizer([text], return_tensors="pt")).logits


def test_loss_falls_and_outputs_are_written(qlora_run):
    cfg, result = qlora_run
    rows = list(read_jsonl(result.out_dir / "metrics.jsonl"))
    train = [r for r in rows if "loss" in r]
    assert [r["step"] for r in train] == list(range(1, result.state.step + 1))
    assert all({"step", "loss", "lr", "tokens_per_s"} <= set(r) for r in train)
    assert train[-1]["loss"] < train[0]["loss"]
    evals = [r["eval_loss"] for r in rows if "eval_loss" in r]
    assert len(evals) == cfg.epochs + 1 and evals[-1] < evals[0]        # step 0 + one per epoch
    assert result.state.epoch == cfg.epochs
    assert len(list((result.out_dir / "checkpoints").glob("step-*"))) == cfg.epochs
    card = (result.out_dir / "README.md").read_text()
    assert str(cfg.model) in card and "lora_r | 8" in card and "eval loss" in card and "train documents" in card
    assert json.loads((result.out_dir / "finetune_config.json").read_text())["lr"] == cfg.lr


def test_adapter_reloads_to_identical_logits(qlora_run, tiny_model_dir):
    _, result = qlora_run
    reloaded = load_model(str(tiny_model_dir), adapter=str(result.adapter_dir), load_in_4bit=True, device="cpu")
    assert torch.equal(logits(result.model, reloaded.tokenizer), logits(reloaded.model, reloaded.tokenizer))


def test_merged_model_matches_full_precision_base_plus_adapter(qlora_run, tiny_model_dir, tmp_path):
    cfg, result = qlora_run
    merge_adapter(cfg, str(result.adapter_dir), str(tmp_path / "merged"), "cpu")
    merged = load_model(str(tmp_path / "merged"), device="cpu")
    assert not any("lora" in name for name, _ in merged.model.named_parameters())
    adapted = load_model(str(tiny_model_dir), adapter=str(result.adapter_dir), device="cpu")
    a, b = logits(merged.model, merged.tokenizer), logits(adapted.model, adapted.tokenizer)
    assert torch.allclose(a, b, atol=1e-4), (a - b).abs().max()


def test_interrupted_run_resumes_from_its_checkpoint_and_matches(qlora_run, tmp_path):
    cfg, reference = qlora_run
    steps_per_epoch = interrupt_in_second_epoch(cfg, reference, tmp_path)
    assert [p.name for p in (tmp_path / "checkpoints").glob("step-*")] == [f"step-{steps_per_epoch:06d}"]
    resumed = finetune(cfg, tmp_path, show_progress=False)
    assert resumed.resumed_from == steps_per_epoch
    train_steps = [r["step"] for r in read_jsonl(tmp_path / "metrics.jsonl") if "loss" in r]
    assert train_steps == list(range(1, reference.state.step + 1))
    assert resumed.state == reference.state
    mine = load_file(str(resumed.adapter_dir / "adapter_model.safetensors"))
    theirs = load_file(str(reference.adapter_dir / "adapter_model.safetensors"))
    assert all(torch.equal(mine[k], theirs[k]) for k in theirs)      # bit-identical to an uninterrupted run


@pytest.mark.slow
def test_killed_subprocess_loses_no_finished_epoch(tiny_model_dir, train_jsonl, tmp_path):
    """SIGKILL `reproduce.py finetune` after its first checkpoint and resume (slow: a subprocess that
    loads torch and trains; the fast subset resumes an interrupted run in process, above)."""
    out = tmp_path / "out"
    args = ["--model", str(tiny_model_dir), "--data", str(train_jsonl), "--out", str(out), "--seq-len", "64",
            "--micro-batch", "2", "--grad-accum", "1", "--epochs", "2", "--lr", "5e-3", "--warmup-steps", "0",
            "--eval-fraction", "0.1", "--lora-r", "8", "--lora-alpha", "16", "--device", "cpu", "--no-progress"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, str(REPO / "reproduce.py"), "finetune", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        while not list((out / "checkpoints").glob("step-*/trainer_state.pt")):
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "no checkpoint within 240 s"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    kept = sorted(p.name for p in (out / "checkpoints").glob("step-*") if (p / "trainer_state.pt").exists())
    cfg = small_config(tiny_model_dir, train_jsonl, grad_accum=1, epochs=2)
    resumed = finetune(cfg, out, show_progress=False)
    assert resumed.resumed_from == int(kept[-1].split("-")[1]) > 0
    assert resumed.state.epoch == 2
    train_steps = [r["step"] for r in read_jsonl(out / "metrics.jsonl") if "loss" in r]
    assert train_steps == list(range(1, resumed.state.step + 1))


def test_4bit_gradients_are_finite_nonzero_and_survive_an_eval_pass(tiny_model_dir, train_jsonl):
    from mplt.training.model import prepare_model
    model, tok, _, _ = prepare_model(small_config(tiny_model_dir, train_jsonl, lora_dropout=0.0), "cpu")
    assert any(type(m).__name__ == "Linear4bit" for m in model.modules())
    x = tok(lua_docs(4), return_tensors="pt", padding=True)["input_ids"]

    def grads():
        model.train()
        model.zero_grad()
        model(input_ids=x, labels=x).loss.backward()
        return {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
    first = grads()
    assert all(torch.isfinite(g).all() for g in first.values())
    assert sum(float(g.abs().sum()) for n, g in first.items() if "lora_B" in n) > 0   # B starts at 0, so A gets none yet
    logits(model, tok)                         # the eval forward that corrupts bnb >= 0.49 (docs/runtime.md, 4.1)
    second = grads()
    assert all(torch.allclose(first[n], second[n], rtol=1e-4, atol=1e-7) for n in first)


def test_plain_lora_separate_languages_with_merge_via_cli(tiny_model_dir, tmp_path, capsys):
    from mplt.cli import main
    run_dir = tmp_path / "run"
    write_docs(run_dir / "dataset" / "lua" / "train.jsonl", lua_docs(20))
    write_docs(run_dir / "dataset" / "rkt" / "train.jsonl",
               [f"(define (add{i} a b)\n  (+ a b {i}))\n" for i in range(20)], "rkt")
    out = tmp_path / "out"
    argv = ["finetune", "--model", str(tiny_model_dir), "--data", str(run_dir), "--out", str(out),
            "--no-4bit", "--mix", "separate", "--max-steps", "2", "--seq-len", "64", "--micro-batch", "2",
            "--grad-accum", "1", "--warmup-steps", "0", "--lr", "1e-2", "--device", "cpu", "--no-progress"]
    assert main([*argv, "--merge"]) == 0
    weights = out / "lua" / "adapter" / "adapter_model.safetensors"
    written = weights.stat().st_mtime_ns
    capsys.readouterr()
    assert main(argv) == 0           # a rerun keeps what the first run exported, as the stage does
    assert capsys.readouterr().out.count("adapter already exported") == 2
    assert weights.stat().st_mtime_ns == written
    for lang in ("lua", "rkt"):
        assert (out / lang / "adapter" / "adapter_config.json").exists()
        cfg = json.loads((out / lang / "finetune_config.json").read_text())
        assert cfg["langs"] == [lang] and cfg["load_in_4bit"] is False
    merged = load_model(str(out / "rkt" / "merged"), device="cpu")
    adapted = load_model(str(tiny_model_dir), adapter=str(out / "rkt" / "adapter"), device="cpu")
    base = load_model(str(tiny_model_dir), device="cpu")
    a, b = logits(merged.model, merged.tokenizer), logits(adapted.model, adapted.tokenizer)
    assert torch.allclose(a, b, atol=1e-5) and not torch.allclose(a, logits(base.model, base.tokenizer))


def test_fim_rate_with_a_tokenizer_without_sentinels_fails_before_training(tiny_model_dir, train_jsonl, tmp_path):
    cfg = small_config(tiny_model_dir, train_jsonl, fim_rate=0.5, fim_format="codegen2")
    with pytest.raises(MpltError, match="no single-id token"):
        finetune(cfg, tmp_path, show_progress=False)
    assert not (tmp_path / "metrics.jsonl").exists()


@pytest.mark.gpu
def test_gpu_qlora_uses_bf16_compute_and_little_memory(tiny_model_dir, train_jsonl, tmp_path):
    cfg = small_config(tiny_model_dir, train_jsonl, device="cuda", epochs=1)
    torch.cuda.reset_peak_memory_stats()
    result = finetune(cfg, tmp_path, show_progress=False)
    layers = [m for m in result.model.modules() if type(m).__name__ == "Linear4bit"]
    assert layers and all(m.compute_dtype == torch.bfloat16 for m in layers)
    assert torch.cuda.max_memory_allocated() < 1e9          # a 4.5M-parameter model
    assert result.eval_losses[-1][1] < result.eval_losses[0][1]
