"""A tiny causal LM written the way pre-2024 remote modeling code was (ours, for tests only): its
`prepare_inputs_for_generation` and `forward` treat `past_key_values` as a tuple of per-layer
(key, value) pairs and index it. The test copies this file into a model directory whose config.json
maps AutoModelForCausalLM to it, so transformers loads it as remote code (trust_remote_code=True)."""
import torch
from torch import nn
from transformers import PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import CausalLMOutputWithPast


class LegacyConfig(PretrainedConfig):
    model_type = "mplt-legacy-test"

    def __init__(self, vocab_size=300, hidden=32, **kwargs):
        self.vocab_size = vocab_size
        self.hidden = hidden
        self.num_hidden_layers = 1      # CodeGenConfig maps it to n_layer; generate sizes its cache by it
        super().__init__(**kwargs)


class LegacyLM(PreTrainedModel):
    config_class = LegacyConfig

    def __init__(self, config):
        super().__init__(config)
        self.embed = nn.Embedding(config.vocab_size, config.hidden)
        self.qkv = nn.Linear(config.hidden, 3 * config.hidden)
        self.head = nn.Linear(config.hidden, config.vocab_size)
        self.post_init()

    def prepare_inputs_for_generation(self, input_ids, past_key_values=None, attention_mask=None, **kwargs):
        if past_key_values is not None:
            input_ids = input_ids[:, past_key_values[0][0].shape[-2]:]
        return {"input_ids": input_ids, "past_key_values": past_key_values, "attention_mask": attention_mask,
                "use_cache": kwargs.get("use_cache")}

    def forward(self, input_ids=None, past_key_values=None, attention_mask=None, position_ids=None,
                use_cache=None, return_dict=None, **kwargs):
        x = self.embed(input_ids)
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        if past_key_values is not None:
            k = torch.cat([past_key_values[0][0], k], dim=1)
            v = torch.cat([past_key_values[0][1], v], dim=1)
        new, total = q.shape[1], k.shape[1]
        scores = q @ k.transpose(1, 2) / k.shape[-1] ** 0.5
        allowed = torch.ones(new, total, dtype=torch.bool, device=x.device).tril(total - new)[None]
        if attention_mask is not None:
            allowed = allowed & attention_mask[:, None, -total:].bool()
        scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
        logits = self.head(scores.softmax(-1) @ v + x)
        return CausalLMOutputWithPast(logits=logits, past_key_values=((k, v),) if use_cache else None)
