"""The package's one exception base: every error it raises on purpose is an AutoencoderError.

Each subclass keeps the built-in base it had (``ValueError``, ``RuntimeError``),
so callers that caught those keep working; a page catches the base.
"""

from __future__ import annotations


class AutoencoderError(Exception):
    """Something this package refuses or cannot do, said in one sentence for a person."""
