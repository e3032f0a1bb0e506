"""Fill-in-the-middle: infill prompt formats and the file-level span-corruption training transform."""
from mplt.infill.formats import INFILL_FORMATS, InfillFormat, get_infill_format, mask_token
from mplt.infill.transform import Corrupted, FimConfig, SpanCorruption

__all__ = ["INFILL_FORMATS", "InfillFormat", "get_infill_format", "mask_token", "Corrupted", "FimConfig",
           "SpanCorruption"]
