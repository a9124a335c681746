"""Trainer contract test: the files a feedback-miner release emits load with the real consumers.

HF `datasets` reads every JSONL/Parquet file; TRL's DPOTrainer and KTOTrainer prepare a batch and take a step with
a tiny random-weight Llama and a tokenizer built locally from the release text (nothing comes from any hub);
OpenRLHF and OpenAI rows are checked for the keys and shapes those consumers read; the DRIFT recipe in
examples/trainer runs one iteration end to end. Run through scripts/trainer-test.sh (RELEASE_DIR is set there).
"""
from __future__ import annotations

import glob
import json
import math
import os
import sys
import tempfile
import unittest

from datasets import load_dataset
from trl import DPOConfig, DPOTrainer, KTOConfig, KTOTrainer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "trainer"))
from tiny import build_model, build_tokenizer, message_texts  # noqa: E402
import drift_iteration  # noqa: E402

RELEASE = os.environ["RELEASE_DIR"]
with open(os.path.join(RELEASE, "manifest.json")) as _f:
    MANIFEST = json.load(_f)
PAIRED = [o for o in ("revision", "ranked", "drift_pairs") if o in MANIFEST["counts"]]


def load(output: str, fmt: str, ext: str):
    files = {s: os.path.join(RELEASE, output, fmt, f"{s}.{ext}") for s in ("train", "test")}
    return load_dataset("json" if ext == "jsonl" else "parquet", data_files=files)


def all_rows():
    for path in sorted(glob.glob(os.path.join(RELEASE, "*", "trl", "*.jsonl"))):
        with open(path) as f:
            for line in f:
                yield json.loads(line)


TOKENIZER = build_tokenizer(list(message_texts(all_rows())) + [drift_iteration.REVISE_INSTRUCTION])


def is_messages(v, roles=None) -> bool:
    return (
        isinstance(v, list)
        and len(v) > 0
        and all(set(m) == {"role", "content"} and isinstance(m["content"], str) for m in v)
        and (roles is None or all(m["role"] in roles for m in v))
    )


class ReleaseFiles(unittest.TestCase):
    def test_manifest_hashes_and_counts(self):
        import hashlib

        for f in MANIFEST["files"]:
            with open(os.path.join(RELEASE, f["path"]), "rb") as fh:
                data = fh.read()
            self.assertEqual(hashlib.sha256(data).hexdigest(), f["sha256"], f["path"])
            if f["rows"] is not None and f["path"].endswith(".jsonl"):
                self.assertEqual(data.count(b"\n"), f["rows"], f["path"])
        for out, c in MANIFEST["counts"].items():
            self.assertGreater(c["train"], 0, f"{out} has no train rows; the synthetic corpus should produce some")

    def test_jsonl_and_parquet_hold_the_same_rows(self):
        for path in sorted(glob.glob(os.path.join(RELEASE, "*", "*", "*.jsonl"))):
            out, fmt, name = path.split(os.sep)[-3:]
            split = name.split(".")[0]
            j = load(out, fmt, "jsonl")[split]
            p = load(out, fmt, "parquet")[split]
            self.assertEqual(j.num_rows, p.num_rows, path)
            self.assertEqual(j.to_list(), p.to_list(), path)

    def test_conversation_never_on_both_sides(self):
        for out in MANIFEST["counts"]:
            ds = load(out, "trl", "jsonl")
            both = set(ds["train"]["conversation_id"]) & set(ds["test"]["conversation_id"])
            self.assertEqual(both, set(), out)

    def test_hf_card_configs_load(self):
        ds = load_dataset(RELEASE, "revision_trl")
        self.assertEqual(ds["train"].num_rows, MANIFEST["counts"]["revision"]["train"])


class TrlDpo(unittest.TestCase):
    def test_paired_shapes(self):
        for out in PAIRED:
            for row in load(out, "trl", "parquet")["train"]:
                self.assertTrue(is_messages(row["prompt"], {"system", "user", "assistant", "tool"}))
                self.assertIn(row["prompt"][-1]["role"], ("user", "tool"))
                for key in ("chosen", "rejected"):
                    self.assertEqual(len(row[key]), 1)
                    self.assertEqual(row[key][0]["role"], "assistant")

    def test_dpo_trainer_prepares_a_batch_and_steps(self):
        for out in PAIRED:
            for ext in ("jsonl", "parquet"):
                with self.subTest(output=out, ext=ext), tempfile.TemporaryDirectory() as tmp:
                    ds = load(out, "trl", ext)
                    model = build_model(TOKENIZER)
                    ref = build_model(TOKENIZER, seed=0)
                    args = DPOConfig(output_dir=tmp, per_device_train_batch_size=4, max_steps=1, max_length=512,
                                     report_to="none", save_strategy="no", use_cpu=True, logging_steps=1)
                    trainer = DPOTrainer(model=model, ref_model=ref, args=args, train_dataset=ds["train"],
                                         eval_dataset=ds["test"], processing_class=TOKENIZER)
                    batch = next(iter(trainer.get_train_dataloader()))
                    self.assertEqual(batch["input_ids"].shape[0], 8, "chosen + rejected for 4 pairs")
                    self.assertTrue(bool((batch["completion_mask"].sum(dim=1) > 0).all()), "every row has completion tokens")
                    loss = trainer.train().training_loss
                    self.assertTrue(math.isfinite(loss))


class TrlKto(unittest.TestCase):
    def test_kto_trainer_prepares_a_batch_and_steps(self):
        for ext in ("jsonl", "parquet"):
            with self.subTest(ext=ext), tempfile.TemporaryDirectory() as tmp:
                ds = load("kto", "trl", ext)
                labels = set(ds["train"]["label"])
                self.assertEqual(labels, {True, False})
                model = build_model(TOKENIZER)
                ref = build_model(TOKENIZER, seed=0)
                args = KTOConfig(output_dir=tmp, per_device_train_batch_size=4, max_steps=1, max_length=512,
                                 report_to="none", save_strategy="no", use_cpu=True, logging_steps=1)
                trainer = KTOTrainer(model=model, ref_model=ref, args=args, train_dataset=ds["train"],
                                     processing_class=TOKENIZER)
                batch = next(iter(trainer.get_train_dataloader()))
                self.assertEqual(batch["label"].shape[0], 4)
                loss = trainer.train().training_loss
                self.assertTrue(math.isfinite(loss))


class OtherConsumers(unittest.TestCase):
    def test_openrlhf_keys(self):
        # RewardDataset with --prompt_key/--chosen_key/--rejected_key --apply_chat_template templates the prompt with a
        # generation prompt and prompt+chosen; the first must be a prefix of the second.
        for out in PAIRED:
            for row in load(out, "openrlhf", "jsonl")["train"]:
                prompt = TOKENIZER.apply_chat_template(row["prompt"], tokenize=False, add_generation_prompt=True)
                full = TOKENIZER.apply_chat_template(row["prompt"] + row["chosen"], tokenize=False)
                self.assertTrue(full.startswith(prompt))
                self.assertTrue(row["margin"] is None or isinstance(row["margin"], float))
        kto = load("kto", "openrlhf", "jsonl")["train"]
        self.assertEqual(set(kto["label"]), {0, 1})
        for row in kto:
            self.assertEqual(row["output"][: len(row["prompt"])], row["prompt"])
            self.assertEqual(row["output"][-1]["role"], "assistant")

    def test_openai_preference_rows(self):
        for out in PAIRED:
            path = os.path.join(RELEASE, out, "openai", "train.jsonl")
            with open(path) as fh:
                rows = [json.loads(line) for line in fh]
            for row in rows:
                self.assertEqual(set(row), {"input", "preferred_output", "non_preferred_output"})
                self.assertTrue(is_messages(row["input"]["messages"], {"system", "user", "assistant"}))
                self.assertEqual(row["input"]["messages"][-1]["role"], "user")
                for key in ("preferred_output", "non_preferred_output"):
                    self.assertEqual([m["role"] for m in row[key]], ["assistant"])


class DriftRecipe(unittest.TestCase):
    def test_drift_rows_shape(self):
        ds = load("drift", "trl", "parquet")["train"]
        self.assertEqual(set(["prompt", "rejected", "user_preference"]) - set(ds.column_names), set())
        for row in ds:
            self.assertEqual([m["role"] for m in row["rejected"]], ["assistant"])
            self.assertTrue(row["user_preference"] is None or row["user_preference"]["role"] == "user")

    def test_one_drift_iteration_end_to_end(self):
        with tempfile.TemporaryDirectory() as tmp:
            summary = drift_iteration.main(["--release", RELEASE, "--tiny", "--out", tmp, "--max-rows", "12",
                                            "--max-new-tokens", "12", "--batch", "6"])
            self.assertEqual(summary["rows"], 12)
            self.assertGreaterEqual(summary["steps"], 1)
            self.assertTrue(math.isfinite(summary["train_loss"]))
            self.assertTrue(os.path.exists(os.path.join(tmp, "pairs.jsonl")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
