"""Fill-in-the-middle: infill prompt formats, the file-level span-corruption training transform,
infill sampling (`sampling`) and the `infill-lesson` stage (`lesson`, docs/codegen2.md, section B5)."""
from mplt.infill.formats import INFILL_FORMATS, InfillFormat, get_infill_format, mask_token
from mplt.infill.transform import Corrupted, FimConfig, SpanCorruption

__all__ = ["INFILL_FORMATS", "InfillFormat", "get_infill_format", "mask_token", "Corrupted", "FimConfig",
           "SpanCorruption"]
