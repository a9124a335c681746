"""Build the tiny causal-LM fixture for the FLR scorer: a byte-level BPE tokenizer with a chat template,
a random-weight Llama (HF format, safetensors), its ONNX export with a KV cache (optimum / transformers.js
decoder layout), and reference follow-up log-probabilities computed in PyTorch from full sequences.

Usage: .venv-models/bin/python scripts/models/build_tiny_lm.py [OUT_DIR]   (default tests/fixtures/models/tiny-llama)
       [--hidden 32 --layers 2 --heads 4 --kv-heads 2 --max-pos 256]   (larger sizes for benchmarks, not committed)
       [--reward-model tests/fixtures/models/tiny-llama-rm]   (the committed fixtures are built with this)
"""
import argparse
import json
import math
import os

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, LlamaForSequenceClassification, PreTrainedTokenizerFast

ARGS = argparse.ArgumentParser()
ARGS.add_argument("out", nargs="?", default="tests/fixtures/models/tiny-llama")
ARGS.add_argument("--hidden", type=int, default=32)
ARGS.add_argument("--layers", type=int, default=2)
ARGS.add_argument("--heads", type=int, default=4)
ARGS.add_argument("--kv-heads", type=int, default=2)
ARGS.add_argument("--max-pos", type=int, default=256)
ARGS.add_argument("--reward-model", default=None, help="also build a tiny sequence-classification RM in this folder")
OPTS = ARGS.parse_args()
OUT = OPTS.out
SEED = 1234
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}<|end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
SPECIALS = ["<s>", "</s>", "<pad>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]

# Tokenizer training text: generic chat-like sentences so common words become single tokens.
CORPUS = [
    "How do I bake bread at home? You need flour, water, salt and yeast.",
    "Thanks, that makes sense! Could you explain it again in simpler words?",
    "That's not what I asked. Please answer the question about the train times.",
    "The capital of France is Paris. It is known for the Eiffel Tower.",
    "Can you write a short poem about the sea and the wind?",
    "I think your answer is wrong, the number should be larger.",
    "Great, this is exactly what I needed. Tell me more about it.",
    "Sorry, I don't understand. What do you mean by that?",
    "Here is a list of steps: first, open the file; second, edit the text; third, save it.",
    "You ignored my instructions. I wanted three bullet points, not a paragraph.",
    "Interesting! Why does the moon change its shape every night?",
    "The restaurant is cheap and located in the east part of town.",
    "Please book a table for two people at seven in the evening.",
    "Wonderful, thank you so much for your help today. Bye!",
] * 20


def build_tokenizer():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=384, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tok.train_from_iterator(CORPUS, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="<|end|>", pad_token="<pad>", unk_token=None,
        model_max_length=256,
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


class DecoderWithPast(torch.nn.Module):
    """Flat-tensor wrapper so the exported graph has the optimum decoder signature."""

    def __init__(self, model, n_layers):
        super().__init__()
        self.model = model
        self.n_layers = n_layers

    def forward(self, input_ids, attention_mask, position_ids, *past):
        from transformers import DynamicCache

        cache = DynamicCache(config=self.model.config)
        for i in range(self.n_layers):
            cache.update(past[2 * i], past[2 * i + 1], i)
        out = self.model(
            input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
            past_key_values=cache, use_cache=True,
        )
        presents = []
        for i in range(self.n_layers):
            layer = out.past_key_values.layers[i]
            presents += [layer.keys, layer.values]
        return (out.logits, *presents)


def export_decoder(model, cfg, path):
    n_layers, kv_heads = cfg.num_hidden_layers, cfg.num_key_value_heads
    head_dim = cfg.hidden_size // cfg.num_attention_heads
    wrapper = DecoderWithPast(model, n_layers).eval()
    b, s, p = 2, 3, 4
    ids = torch.randint(0, cfg.vocab_size, (b, s))
    past = [torch.randn(b, kv_heads, p, head_dim) for _ in range(2 * n_layers)]
    mask = torch.ones(b, p + s, dtype=torch.int64)
    pos = torch.arange(p, p + s).unsqueeze(0).expand(b, s).contiguous()
    in_names = ["input_ids", "attention_mask", "position_ids"]
    out_names = ["logits"]
    axes = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
    }
    for i in range(n_layers):
        for kind in ("key", "value"):
            in_names.append(f"past_key_values.{i}.{kind}")
            out_names.append(f"present.{i}.{kind}")
            axes[f"past_key_values.{i}.{kind}"] = {0: "batch_size", 2: "past_sequence_length"}
            axes[f"present.{i}.{kind}"] = {0: "batch_size", 2: "total_sequence_length"}
    torch.onnx.export(
        wrapper, (ids, mask, pos, *past), path, input_names=in_names, output_names=out_names,
        dynamic_axes=axes, opset_version=17, dynamo=False,
    )


def follow_up_span(tokenizer, messages, follow_up):
    """Token positions of the follow-up's content in the templated conversation (same rule as src/flr)."""
    full_text = tokenizer.apply_chat_template(messages + [{"role": "user", "content": follow_up}], tokenize=False)
    at = full_text.rfind(follow_up)
    assert at >= 0
    enc = lambda t: tokenizer(t, add_special_tokens=False)["input_ids"]
    full, pre, pre_f = enc(full_text), enc(full_text[:at]), enc(full_text[: at + len(follow_up)])

    def lcp(a, b):
        n = 0
        while n < min(len(a), len(b)) and a[n] == b[n]:
            n += 1
        return n

    return full, lcp(pre, full), lcp(pre_f, full)


def reference_scores(model, tokenizer, cases, max_len):
    out = []
    for case in cases:
        scores = []
        spans = [follow_up_span(tokenizer, case["messages"], f) for f in case["follow_ups"]]
        # Left truncation, one cut for all follow-ups: the longest (up to its last content token) fits max_len.
        cut = max(0, max(end for _, _, end in spans) - max_len)
        for ids, start, end in spans:
            ids, start, end = ids[cut:], start - cut, end - cut
            with torch.no_grad():
                logits = model(input_ids=torch.tensor([ids])).logits[0]
                logp = torch.log_softmax(logits.double(), dim=-1)
            # logits at position t predict token t+1.
            s = sum(logp[t - 1, ids[t]].item() for t in range(start, end)) / (end - start)
            scores.append(s)
        out.append({**case, "truncated_tokens": cut, "mean_logprobs": scores})
    return out


def build_reward_model(tokenizer, out_dir):
    """Tiny random sequence-classification reward model (1 logit) with the same tokenizer, for the P[Love]
    external-model path; reference P = sigmoid(logit) per (context, response) from unpadded PyTorch runs."""
    os.makedirs(os.path.join(out_dir, "onnx"), exist_ok=True)
    tokenizer.save_pretrained(out_dir)
    tc_path = os.path.join(out_dir, "tokenizer_config.json")
    with open(tc_path) as fh:
        tc = json.load(fh)
    tc["chat_template"] = CHAT_TEMPLATE
    with open(tc_path, "w") as fh:
        json.dump(tc, fh, indent=2)
    cfg = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=128, initializer_range=0.4,
        num_labels=1, pad_token_id=tokenizer.pad_token_id,
    )
    cfg._attn_implementation = "eager"
    model = LlamaForSequenceClassification(cfg).eval()
    model.save_pretrained(out_dir, safe_serialization=True)
    if os.path.exists(os.path.join(out_dir, "generation_config.json")):
        os.remove(os.path.join(out_dir, "generation_config.json"))

    class Wrapper(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            return self.m(input_ids=input_ids, attention_mask=attention_mask).logits

    ids = torch.randint(7, cfg.vocab_size, (2, 5))
    torch.onnx.export(
        Wrapper(model), (ids, torch.ones_like(ids)), os.path.join(out_dir, "onnx", "model.onnx"),
        input_names=["input_ids", "attention_mask"], output_names=["logits"],
        dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                      "attention_mask": {0: "batch_size", 1: "sequence_length"}, "logits": {0: "batch_size"}},
        opset_version=17, dynamo=False,
    )
    items = [
        {"context": [{"role": "user", "content": "How do I bake bread?"}], "response": "Flour, water, salt, yeast."},
        {"context": [{"role": "user", "content": "Fix my chain"}], "response": "What a wonderful question! Bye!"},
        {"context": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"}],
         "response": "Paris, known for the Eiffel Tower and its museums, cafes and long history."},
    ]
    for item in items:
        text = tokenizer.apply_chat_template(item["context"] + [{"role": "assistant", "content": item["response"]}],
                                             tokenize=False)
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logit = model(input_ids=torch.tensor([ids])).logits[0, 0].item()
        item["p"] = 1 / (1 + math.exp(-logit))
    with open(os.path.join(out_dir, "reference.json"), "w") as fh:
        json.dump({"items": items}, fh, indent=1, ensure_ascii=False)
    print("reward model", [round(i["p"], 4) for i in items])


def main():
    torch.manual_seed(SEED)
    os.makedirs(OUT, exist_ok=True)
    tokenizer = build_tokenizer()
    tokenizer.save_pretrained(OUT)
    # transformers 5 writes the template to chat_template.jinja; older loaders read it from tokenizer_config.json.
    tc_path = os.path.join(OUT, "tokenizer_config.json")
    with open(tc_path) as fh:
        tc = json.load(fh)
    tc["chat_template"] = CHAT_TEMPLATE
    with open(tc_path, "w") as fh:
        json.dump(tc, fh, indent=2)
    cfg = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=OPTS.hidden, intermediate_size=2 * OPTS.hidden,
        num_hidden_layers=OPTS.layers, num_attention_heads=OPTS.heads, num_key_value_heads=OPTS.kv_heads,
        max_position_embeddings=OPTS.max_pos,
        # Large init spreads the logits, so a misaligned position changes the score by far more than 1e-4.
        initializer_range=0.4, tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    cfg._attn_implementation = "eager"
    model = LlamaForCausalLM(cfg).eval()
    model.save_pretrained(OUT, safe_serialization=True)
    if os.path.exists(os.path.join(OUT, "generation_config.json")):
        os.remove(os.path.join(OUT, "generation_config.json"))  # not needed for scoring
    os.makedirs(os.path.join(OUT, "onnx"), exist_ok=True)
    export_decoder(model, cfg, os.path.join(OUT, "onnx", "model.onnx"))

    long_context = " ".join(CORPUS[:40])  # longer than max_position_embeddings: exercises left truncation
    cases = [
        {"name": "single-turn", "messages": [
            {"role": "user", "content": "How do I bake bread at home?"},
            {"role": "assistant", "content": "You need flour, water, salt and yeast. Knead, rest, bake."}],
         "follow_ups": ["Thanks, that makes sense!", "That's not what I asked.", "Tell me more about it.",
                        "Your answer is wrong.", "ok", "Wonderful — merci beaucoup! 🍞"]},
        {"name": "multi-turn-system", "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "What is the capital of France?"},
            {"role": "assistant", "content": "Paris."},
            {"role": "user", "content": "Why is it known?"},
            {"role": "assistant", "content": "It is known for the Eiffel Tower and its museums."}],
         "follow_ups": ["Great, this is exactly what I needed.", "You ignored my instructions.",
                        "Sorry, I don't understand. What do you mean by that?"]},
        {"name": "long-context-truncated", "messages": [
            {"role": "user", "content": long_context},
            {"role": "assistant", "content": "Here is a list of steps: first, open the file; second, save it."}],
         "follow_ups": ["Thanks!", "Please answer the question about the train times."]},
    ]
    ref = reference_scores(model, tokenizer, cases, cfg.max_position_embeddings)
    with open(os.path.join(OUT, "reference.json"), "w") as fh:
        json.dump({"seed": SEED, "max_length": cfg.max_position_embeddings, "cases": ref}, fh, indent=1,
                  ensure_ascii=False)
    for case in ref:
        print(case["name"], [round(x, 4) for x in case["mean_logprobs"]])
    if OPTS.reward_model:
        build_reward_model(tokenizer, OPTS.reward_model)


if __name__ == "__main__":
    main()
