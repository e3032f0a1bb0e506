"""Errors that the command line reports as one clear line and a non-zero exit."""


class MpltError(Exception):
    """A user-facing error: bad input, a missing toolchain or model, an unusable run directory."""
