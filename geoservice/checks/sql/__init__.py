"""Named SQL files of this package, loaded once with importlib.resources."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def load(name: str) -> str:
    return files(__name__).joinpath(name).read_text(encoding="utf-8")
