"""The shop's tools as a ``--tools`` spec.

Usage: ``skillforge run NAME --args '{...}' --tools examples/shop/tools.py:tools``.

``tools`` is a mapping name -> callable over one shop seeded with 0, the same shop the
example trajectories were recorded against.  The shop lives as long as the process, so
changes made by one call are seen by the next, as with a real backend.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

try:
    from .env import ShopEnv
except ImportError:  # loaded by file path, outside the ``examples`` package
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from examples.shop.env import ShopEnv

env = ShopEnv.seeded(0)
tools: dict[str, Callable[..., str]] = env.tools()

__all__ = ["env", "tools"]
