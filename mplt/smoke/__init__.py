"""The smoke profile's own model stage (`model`: a tiny Llama built here, then warm-started on
our material) and the fingerprint of its computations across CPUs (docs/determinism.md)."""
