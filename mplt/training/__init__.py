"""Stage 5: (Q)LoRA fine-tuning on packed documents, with optional CodeGen2-style infill mixing.

Modules: config (TrainConfig + presets), data (document sources), packing, model (4-bit/LoRA
preparation, merge), loop (train/resume), checkpoint, export (adapter + model card).
Import the submodules directly; this package imports nothing heavy.
"""
