"""The git-backed skills directory (the only part of skillforge that runs git)."""

from .repo import CommitInfo, SkillStore

__all__ = ["CommitInfo", "SkillStore"]
