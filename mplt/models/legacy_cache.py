"""Remote modeling code written before transformers' Cache classes, under transformers 5
(docs/codegen2.md, section A.3).

transformers 5's `generate` creates a `DynamicCache` and hands it to the model's own
`prepare_inputs_for_generation`. Modeling code of the tuple era (a tuple of per-layer (key, value)
pairs) breaks in one of two ways:
* it indexes the cache (`past_key_values[0][0]`): `TypeError: 'DynamicCache' object is not
  subscriptable`;
* its `prepare_inputs_for_generation(input_ids, past=None, ...)` names the cache `past`, as the
  CodeGen2 checkpoints' `modeling_codegen.py` does (read in a public copy, jamesr66a/codegen2-1B):
  transformers passes `past_key_values`, the method never sees a cache and the model recomputes the
  whole sequence at every new token (correct, but each step costs a full forward pass).
`enable_legacy_cache` replaces that method on the loaded model with one that keeps the model's own
tuples: the first step gets no cache, every later step gets the tuple the model returned and only
the tokens it has not seen. Tested on CPU with a tiny tuple-cache model loaded as remote code
(tests/models): the completions equal those of generation without any cache.
"""
from __future__ import annotations

import inspect
import logging
import types

log = logging.getLogger(__name__)


def ensure_generation_mixin(model) -> None:
    """transformers 5.23 adds GenerationMixin to a remote-code class at its first load only; the
    first load also registers the bare class for its config, so a second load in the same process
    (the fine-tuned evaluation after the base one) returns a model without `generate`. Give it back
    (seen with the tuple-era test model in tests/models)."""
    from transformers import GenerationConfig, GenerationMixin
    cls = type(model)
    if isinstance(model, GenerationMixin) or not cls.__module__.startswith("transformers_modules"):
        return
    model.__class__ = type(cls.__name__, (cls, GenerationMixin), {"__module__": cls.__module__})
    if getattr(model, "generation_config", None) is None:
        model.generation_config = GenerationConfig.from_model_config(model.config)


def needs_legacy_cache(model) -> bool:
    """Remote code (transformers_modules.*) with its own `prepare_inputs_for_generation` and no
    mention of transformers' Cache classes in its source."""
    owner = next((c for c in type(model).__mro__ if "prepare_inputs_for_generation" in c.__dict__), None)
    if owner is None or not owner.__module__.startswith("transformers_modules"):
        return False
    try:
        source = inspect.getsource(inspect.getmodule(owner))
    except (OSError, TypeError):
        return True
    return "Cache" not in source


def _prepare_with_tuple_cache(self, input_ids, past_key_values=None, attention_mask=None, **kwargs):
    past = past_key_values if isinstance(past_key_values, tuple) and past_key_values else None
    if past is not None:
        input_ids = input_ids[:, past[0][0].shape[-2]:]
    inputs = {"input_ids": input_ids, "past_key_values": past, "attention_mask": attention_mask,
              "use_cache": kwargs.get("use_cache", True)}
    if attention_mask is not None and "position_ids" in inspect.signature(self.forward).parameters:
        # Left padding: each row counts positions from its first real token.
        positions = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)
        inputs["position_ids"] = positions[:, -input_ids.shape[1]:]
    return inputs


def enable_legacy_cache(model) -> bool:
    """Patch `model` when it needs it; True when patched."""
    ensure_generation_mixin(model)
    if not needs_legacy_cache(model):
        return False
    model.prepare_inputs_for_generation = types.MethodType(_prepare_with_tuple_cache, model)
    log.info("%s: tuple-era remote code; generation keeps the model's own tuple cache", type(model).__name__)
    return True
