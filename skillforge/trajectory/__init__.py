"""Trajectories: one model, many input formats (see ``model.py`` and ``load.py``)."""

from .load import load, load_many, loads, parse
from .model import NATIVE_FORMAT, Message, Step, ToolCall, ToolSpec, Trajectory, infer_read_only

__all__ = [
    "NATIVE_FORMAT",
    "Message",
    "Step",
    "ToolCall",
    "ToolSpec",
    "Trajectory",
    "infer_read_only",
    "load",
    "load_many",
    "loads",
    "parse",
]
