"""One DRIFT iteration over a feedback-miner release (methods §1): for every DRIFT row, sample a chosen answer
from the *current* policy (it sees the request, its rejected answer and the user's complaint, and is asked for a
better answer), pair it with the logged rejected answer, then run a DPO step (ref = the policy before the step).

  python examples/trainer/drift_iteration.py --release out/releases/NAME/VERSION --tiny --out /tmp/iter1
  python examples/trainer/drift_iteration.py --release ... --model path/to/policy --out path/to/iter1

--tiny builds a local tokenizer and random-weight Llama so the loop runs on CPU in seconds (contract test).
"""
from __future__ import annotations

import argparse
import copy
import json
import os

import torch
from datasets import Dataset, load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer

REVISE_INSTRUCTION = (
    "Write an improved response to my earlier request that addresses this feedback. "
    "Reply with the response only, written as a direct answer to the earlier request."
)


def generation_messages(row: dict) -> list[dict]:
    """The hindsight prompt: request, rejected answer, complaint + instruction (unguided when no complaint)."""
    msgs = list(row["prompt"])
    pref = row.get("user_preference")
    if pref:
        msgs += list(row["rejected"]) + [{"role": "user", "content": f"{pref['content']}\n\n{REVISE_INSTRUCTION}"}]
    return msgs


@torch.no_grad()
def sample_chosen(model, tokenizer, rows: list[dict], max_prompt_tokens: int, max_new_tokens: int, batch: int) -> list[str]:
    tokenizer.padding_side = "left"
    tokenizer.truncation_side = "left"  # long histories lose their oldest turns, never the final request
    out: list[str] = []
    model.eval()
    for i in range(0, len(rows), batch):
        texts = [
            tokenizer.apply_chat_template(generation_messages(r), tokenize=False, add_generation_prompt=True)
            for r in rows[i : i + batch]
        ]
        enc = tokenizer(texts, return_tensors="pt", padding=True, truncation=True, max_length=max_prompt_tokens,
                        add_special_tokens=False)
        gen = model.generate(**enc, do_sample=True, temperature=0.7, top_p=0.9, max_new_tokens=max_new_tokens,
                             pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
        for seq in gen[:, enc["input_ids"].shape[1]:]:
            text = tokenizer.decode(seq, skip_special_tokens=True).strip()
            out.append(text or "(empty)")  # a random-weight model may emit only specials; DPO needs some text
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--release", required=True, help="release directory (holds drift/trl/train.jsonl)")
    ap.add_argument("--model", help="policy checkpoint (local path)")
    ap.add_argument("--tiny", action="store_true", help="local tiny tokenizer + random-weight model (CPU test)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-rows", type=int, default=0)
    ap.add_argument("--max-new-tokens", type=int, default=512)
    ap.add_argument("--max-prompt-tokens", type=int, default=1024)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--beta", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=5e-7)
    ap.add_argument("--max-steps", type=int, default=-1)
    args = ap.parse_args(argv)

    rows = list(load_dataset("json", data_files=os.path.join(args.release, "drift/trl/train.jsonl"), split="train"))
    if args.max_rows:
        rows = rows[: args.max_rows]
    if args.tiny:
        from tiny import build_model, build_tokenizer, message_texts

        tokenizer = build_tokenizer(list(message_texts(rows)) + [REVISE_INSTRUCTION])
        policy = build_model(tokenizer)
    else:
        tokenizer = AutoTokenizer.from_pretrained(args.model)
        policy = AutoModelForCausalLM.from_pretrained(args.model)
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token

    chosen = sample_chosen(policy, tokenizer, rows, args.max_prompt_tokens, args.max_new_tokens, args.batch)
    pairs = Dataset.from_list(
        [{"prompt": r["prompt"], "chosen": [{"role": "assistant", "content": c}], "rejected": r["rejected"]}
         for r, c in zip(rows, chosen)]
    )
    os.makedirs(args.out, exist_ok=True)
    pairs.to_json(os.path.join(args.out, "pairs.jsonl"))

    tokenizer.padding_side = "right"
    cfg = _dpo_config(args)
    # The reference is the policy as it was before this step (DRIFT: ref = init of the stage).
    ref = copy.deepcopy(policy)
    trainer = DPOTrainer(model=policy, ref_model=ref, args=cfg, train_dataset=pairs, processing_class=tokenizer)
    result = trainer.train()
    trainer.save_model(args.out)
    summary = {"rows": len(rows), "train_loss": result.training_loss, "steps": result.global_step, "out": args.out}
    with open(os.path.join(args.out, "drift_iteration.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(json.dumps(summary))
    return summary


def _dpo_config(args) -> DPOConfig:
    # DRIFT's per-iteration recipe (methods §1 table), minus bf16/rmsprop on CPU tiny runs.
    kwargs = dict(
        output_dir=args.out,
        beta=args.beta,
        learning_rate=args.lr,
        lr_scheduler_type="linear",
        warmup_steps=0.1,  # a float below 1 is a ratio of the total steps
        # DRIFT trains with rpo_alpha 0.001: DPO plus a tiny NLL term on chosen, spelled as a loss mix in TRL 1.x.
        loss_type=["sigmoid", "sft"],
        loss_weights=[1.0, 0.001],
        num_train_epochs=1,
        max_steps=args.max_steps,
        per_device_train_batch_size=4,
        gradient_accumulation_steps=1,
        max_length=2048,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        seed=42,
    )
    if args.tiny:
        kwargs["use_cpu"] = True
    else:
        kwargs.update(bf16=True, optim="rmsprop", gradient_checkpointing=True)
    return DPOConfig(**kwargs)


if __name__ == "__main__":
    main()
