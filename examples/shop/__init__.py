"""An example online-shop tool environment (see ``env.py``) and its OpenAI tool specs."""

from .env import CANCEL_REASONS, TOOL_NAMES, ShopEnv
from .specs import TOOLS

__all__ = ["CANCEL_REASONS", "TOOLS", "TOOL_NAMES", "ShopEnv"]
