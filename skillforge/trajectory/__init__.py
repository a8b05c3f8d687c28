"""Trajectories: one model, many input formats (see ``model.py``, ``load.py``, ``redact.py``)."""

from .load import Loaded, load, load_located, load_many, loads, loads_located, parse, parse_all
from .model import NATIVE_FORMAT, Message, Step, ToolCall, ToolSpec, Trajectory, infer_read_only
from .redact import Redactor, redact, redact_text

__all__ = [
    "NATIVE_FORMAT",
    "Loaded",
    "Message",
    "Redactor",
    "Step",
    "ToolCall",
    "ToolSpec",
    "Trajectory",
    "infer_read_only",
    "load",
    "load_located",
    "load_many",
    "loads",
    "loads_located",
    "parse",
    "parse_all",
    "redact",
    "redact_text",
]
