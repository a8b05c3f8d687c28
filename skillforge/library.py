"""``SkillLibrary``: the Python API over one skills directory.

Everything the CLI does goes through here: promote trajectories into verified, committed
skills; list and read them; call them in the sandbox against host tools; export them as
tool definitions.  Construction is free (it creates nothing); ``init()`` creates.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, SkillError
from .store import SkillStore

if TYPE_CHECKING:
    from sandbox import Result, Sandbox

    from .compile.llm_cache import ResponseCache
    from .config import LLMConfig
    from .trajectory.model import Trajectory

    TrajectoryInput = str | os.PathLike[str] | Trajectory

_shared: Sandbox | None = None
_shared_lock = threading.Lock()


def shared_sandbox() -> Sandbox:
    """One warm worker pool per process, started on first use and closed at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            from sandbox import Sandbox

            workers = int(os.environ.get("SKILLFORGE_WORKERS", "2"))
            _shared = Sandbox(workers=workers)
            _shared.__enter__()
            atexit.register(_close_shared)
        return _shared


def _close_shared() -> None:
    global _shared
    if _shared is not None:
        _shared.__exit__(None, None, None)
        _shared = None


@dataclass
class PromoteResult:
    """What a promotion produced."""

    name: str
    version: int
    commit: str
    tag: str
    path: Path
    manifest: dict[str, Any]
    source: str
    review: bool = False  # committed onto review/<name>, waiting for accept/reject
    covered_by: str | None = None  # nothing promoted: this existing skill replays the runs

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "commit": self.commit,
            "tag": self.tag,
            "path": str(self.path),
            "semver": self.manifest.get("semver"),
            "review": self.review,
            "covered_by": self.covered_by,
            "compiler": self.manifest["compiler"],
            "compiler_details": self.manifest.get("compiler_details") or {},
            "verification": self.manifest["verification"],
            "parameters": self.manifest["parameters"],
            "tools": self.manifest["tools"],
        }


class SkillLibrary:
    """A skills directory: ``SkillLibrary("skills").promote([...], name="cancel_order")``."""

    def __init__(self, path: str | os.PathLike[str] = "skills", *, sandbox: Sandbox | None = None):
        self.path = Path(path)
        self.store = SkillStore(self.path)
        self._sandbox = sandbox
        self._validators: dict[tuple[str, str], Any] = {}

    # -- lifecycle -----------------------------------------------------------------
    def init(self, *, own_repo: bool = False) -> SkillLibrary:
        """Create the skills directory (idempotent); see ``SkillStore.init`` for where
        its commits go; ``own_repo`` makes it a repository of its own even inside another."""
        SkillStore.init(self.path, own_repo=own_repo)
        return self

    @property
    def sandbox(self) -> Sandbox:
        return self._sandbox or shared_sandbox()

    # -- promote -------------------------------------------------------------------
    def promote(
        self,
        trajectories: Iterable[TrajectoryInput],
        name: str | None = None,
        *,
        compiler: str = "auto",
        model: str | None = None,
        api_base: str | None = None,
        rounds: int | None = None,
        no_cache: bool = False,
        review: bool = False,
        force: bool = False,
    ) -> PromoteResult:
        """Compile, verify and commit trajectories as the skill ``name`` (v1, then v2...).

        Promoting an existing skill again compiles from its stored trajectories plus the
        new ones, so every version is verified against everything it has ever seen.
        ``compiler`` is ``trace``, ``llm`` or ``auto`` (trace first, then the configured
        model if that fails); ``name`` may be None only when a model is there to propose it.
        ``model``/``api_base``/``rounds`` override the configuration (see skillforge.config).
        ``review`` commits onto branch ``review/<name>`` for ``accept``/``reject``; unless
        ``force``, runs another skill already replays promote nothing (``covered_by``).
        """
        from .compile.choose import COMPILERS, compile_verified
        from .compile.llm_cache import ResponseCache
        from .compile.naming import validate_skill_name
        from .config import LLMConfig, load_config
        from .folder import build_files
        from .verify import verify

        if name is not None:
            validate_skill_name(name)
        if compiler not in COMPILERS:
            raise InputError(
                f"compiler {compiler!r} is not available",
                field="--compiler",
                hint="use --compiler trace, llm or auto",
            )
        llm_config = LLMConfig()  # trace never reads model settings (nor a broken file)
        if compiler != "trace":
            llm_config = load_config(
                model=model, api_base=api_base, rounds=rounds, no_cache=no_cache,
                skills_dir=self.path,
            )
        store = self.store.require()
        new, labels = self._load(trajectories)
        cache = ResponseCache.for_skills_dir(store.root)
        verified: dict[Any, Any] = {}  # reports shared by the unlocked and the locked pass
        if compiler != "trace" and llm_config.configured:
            # Model rounds can take minutes and the lock waits 60 s: ask the model unlocked
            # first; the answers land in the response cache, so the locked pass replays them.
            self._ask_model_unlocked(
                new, labels, name, compiler, llm_config, force, cache, verified
            )
            llm_config.no_cache = False
        with store.lock():
            store.recover()
            if not force:
                from .dedupe import covering_skill

                covered = covering_skill(self, new, exclude=name)
                if covered is not None:
                    cname, cversion = covered
                    return PromoteResult(
                        cname, cversion, store.head(f"refs/tags/skill/{cname}/v{cversion}"),
                        f"skill/{cname}/v{cversion}", store.skill_dir(cname),
                        self.manifest(cname), self.source(cname), covered_by=cname,
                    )
            old, old_labels = self._stored_trajectories(name) if name else ([], [])
            known = {t.sha256() for t in old}
            fresh = [
                (t, lbl) for t, lbl in zip(new, labels, strict=True) if t.sha256() not in known
            ]
            trajs = old + [t for t, _ in fresh]
            all_labels = old_labels + [lbl for _, lbl in fresh]
            if not fresh and old:
                raise InputError(
                    f"skill {name!r} already holds every one of these trajectories",
                    hint="pass new runs to make a new version",
                )
            draft, report = compile_verified(
                trajs,
                all_labels,
                name=name,
                compiler=compiler,
                config=llm_config,
                verify_fn=lambda source, entry: verify(
                    self.sandbox, source, entry, trajs, all_labels
                ),
                cache=cache,
                taken_names=set(store.names()),
                verified=verified,
            )
            name = draft.name
            version = max(store.versions(name), default=0) + 1
            previous = (
                {"source": self.source(name), "manifest": self.manifest(name)}
                if store.exists(name)
                else None
            )
            files, manifest = build_files(draft, report, trajs, version, previous=previous)
            message = _commit_message(name, version, manifest, trajs)
            info = store.commit_skill(name, files, message, version=version, review=review)
        return PromoteResult(
            name, version, info.sha, info.tag, store.skill_dir(name), manifest, draft.source,
            review=review,
        )

    def _ask_model_unlocked(
        self,
        new: list[Trajectory],
        labels: list[str],
        name: str | None,
        compiler: str,
        config: LLMConfig,
        force: bool,
        cache: ResponseCache,
        verified: dict[Any, Any],
    ) -> None:
        """Compile once without the lock, for the model's answers (kept in the cache).

        A failure to compile is raised from here; a skill that changes meanwhile only means
        the locked pass asks the model again for what is new.
        """
        from .compile.choose import compile_verified
        from .dedupe import covering_skill
        from .errors import SkillforgeError
        from .verify import verify

        try:
            if not force and covering_skill(self, new, exclude=name) is not None:
                return  # the locked pass promotes nothing; no model needed
            old, old_labels = self._stored_trajectories(name) if name else ([], [])
            taken = set(self.store.names())
        except (OSError, SkillforgeError):
            return  # a concurrent change: leave it all to the locked pass
        known = {t.sha256() for t in old}
        fresh = [(t, lbl) for t, lbl in zip(new, labels, strict=True) if t.sha256() not in known]
        if old and not fresh:
            return
        trajs = old + [t for t, _ in fresh]
        all_labels = old_labels + [lbl for _, lbl in fresh]
        compile_verified(
            trajs,
            all_labels,
            name=name,
            compiler=compiler,
            config=config,
            verify_fn=lambda source, entry: verify(self.sandbox, source, entry, trajs, all_labels),
            cache=cache,
            taken_names=taken,
            verified=verified,
        )

    def _load(self, items: Iterable[TrajectoryInput]) -> tuple[list[Trajectory], list[str]]:
        from .config import redact_patterns
        from .trajectory import load
        from .trajectory.model import Trajectory
        from .trajectory.redact import Redactor

        patterns = redact_patterns(self.path)
        redact: bool | Redactor = True if patterns is None else Redactor(patterns)
        trajs: list[Trajectory] = []
        labels: list[str] = []
        for item in items:
            if isinstance(item, Trajectory):
                trajs.append(item)
                labels.append(f"<trajectory {item.sha256()[:8]}>")
                continue
            loaded = load(item, redact=redact)
            trajs.extend(loaded)
            labels.extend(
                str(item) if len(loaded) == 1 else f"{item}[{i}]" for i in range(len(loaded))
            )
        if not trajs:
            raise InputError("no trajectories given", hint="pass one or more trajectory files")
        return trajs, labels

    def _stored_trajectories(self, name: str) -> tuple[list[Trajectory], list[str]]:
        from .trajectory import load

        folder = self.store.skill_dir(name) / "trajectories"
        if not folder.is_dir():
            return [], []
        files = sorted(folder.glob("*.json"))
        return [t for f in files for t in load(f)], [f"{name}/trajectories/{f.name}" for f in files]

    # -- read ----------------------------------------------------------------------
    def names(self) -> list[str]:
        return self.store.require().names()

    def manifest(self, name: str) -> dict[str, Any]:
        folder = self.store.require().require_skill(name)
        manifest: dict[str, Any] = json.loads((folder / "skill.json").read_text())
        return manifest

    def source(self, name: str) -> str:
        return (self.store.require_skill(name) / "skill.py").read_text()

    def list_skills(self) -> list[dict[str, Any]]:
        """A summary of every skill (name, version, description, parameters, tools).

        Summaries come from a stat-validated cache (skillforge.store.cache): parsing every
        manifest would cost ~2 s at 10,000 skills."""
        return self.store.require().summaries(_summary)

    # -- history: log, diff, review, accept, reject, rollback, blame ----------------
    # Thin wrappers over skillforge.store.history / .review (the only code that runs git).
    def log(self, name: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Versions (and reviews) newest first, with compiler, trajectories, verification."""
        from .store.history import log

        return [e.as_dict() for e in log(self.store.require(), name, limit)]

    def diff(self, name: str, a: str | None = None, b: str | None = None) -> dict[str, Any]:
        """Behaviour changes (signature, tools, state-changing calls...) then the code diff."""
        from .store.history import diff

        return diff(self.store.require(), name, a, b)

    def review(self) -> list[dict[str, Any]]:
        """Pending reviews, each with its behaviour diff against the current version."""
        from .store.review import pending, review_diff

        store = self.store.require()
        return [{**p, "diff": review_diff(store, p["name"])} for p in pending(store)]

    def accept(self, name: str) -> dict[str, Any]:
        """Publish the pending review of ``name`` (fast-forward or merge commit) and tag it."""
        from .store.review import accept

        store = self.store.require()
        with store.lock():
            store.recover()
            info = accept(store, name)
        return {"name": name, "version": info.version, "commit": info.sha, "tag": info.tag}

    def reject(self, name: str, reason: str | None = None) -> dict[str, Any]:
        """Drop the pending review of ``name``, recording why under a rejected/ tag."""
        from .store.review import reject

        store = self.store.require()
        with store.lock():
            store.recover()
            return reject(store, name, reason)

    def rollback(self, name: str, version: int | str) -> dict[str, Any]:
        """A new version of ``name`` whose files are those of ``version`` (no history rewrite)."""
        from .store.history import parse_version
        from .store.review import rollback

        store = self.store.require()
        store.require_skill(name)
        with store.lock():
            store.recover()
            info = rollback(store, name, parse_version(str(version)))
        return {"name": name, "version": info.version, "commit": info.sha, "tag": info.tag,
                "restored": parse_version(str(version))}

    def blame(self, name: str) -> dict[str, Any]:
        """Which version, commit, compiler and trajectories produced each line of the code."""
        from .store.history import blame

        return blame(self.store.require(), name)

    # -- call ----------------------------------------------------------------------
    def run(
        self, name: str, inputs: Mapping[str, Any], tools: Mapping[str, Callable[..., Any]]
    ) -> Result:
        """Run a skill in the sandbox and return the sandbox's full result (value, calls)."""
        from .tools import require_tools

        manifest = self.manifest(name)
        kwargs = self._validate(name, manifest, inputs)
        require_tools(name, manifest["tools"], tools)
        needed = {tool: tools[tool] for tool in manifest["tools"]}
        return self.sandbox.run(self.source(name), entry=name, kwargs=kwargs, tools=needed)

    def call(
        self, name: str, inputs: Mapping[str, Any], tools: Mapping[str, Callable[..., Any]]
    ) -> Any:
        """Call a skill: its return value, or :class:`SkillError` saying why it failed."""
        result = self.run(name, inputs, tools)
        if not result.ok:
            raise SkillError(
                f"{name}: {result.message}",
                kind=result.error or "Error",
                tool_calls=list(result.tool_calls),
            )
        return result.value

    def _validate(self, name: str, manifest: dict[str, Any], inputs: Mapping[str, Any]) -> dict:
        if not isinstance(inputs, Mapping):
            raise InputError("inputs must be a JSON object / dict", field="inputs")
        schema = manifest["parameters"]
        props = schema.get("properties", {})
        ignored = set(manifest.get("ignored_inputs", []))
        unknown = [k for k in inputs if k not in props and k not in ignored]
        if unknown:
            raise InputError(
                f"{name} has no parameter {', '.join(map(repr, unknown))}",
                field="inputs",
                hint=f"parameters: {', '.join(props) or 'none'}",
            )
        kwargs = {k: v for k, v in inputs.items() if k in props}
        missing = [k for k in schema.get("required", []) if k not in kwargs]
        if missing:
            raise InputError(
                f"{name} needs {', '.join(map(repr, missing))}",
                field="inputs",
                hint=f"parameters: {', '.join(props)}",
            )
        validator = self._validator(name, manifest)
        try:
            validated = validator.validate_python(kwargs)
        except ValueError as exc:  # pydantic.ValidationError is a ValueError
            errors = exc.errors() if hasattr(exc, "errors") else [{"loc": (), "msg": str(exc)}]
            first = errors[0]
            raise InputError(
                f"{name}: {first['msg']}", field="inputs." + ".".join(map(str, first["loc"]))
            ) from None
        return {k: getattr(validated, k) for k in kwargs}

    def _validator(self, name: str, manifest: dict[str, Any]) -> Any:
        key = (name, str(manifest["version"]))
        if key not in self._validators:
            from pydantic import TypeAdapter, create_model

            from .export.schema import annotation_type
            from .verify.static import check

            facts = check(self.source(name), name, set(manifest["tools"])).facts
            fields: dict[str, Any] = {
                p: (annotation_type(ann), ... if req else None) for p, ann, req in facts.params
            }
            model = create_model(name, **fields)
            self._validators[key] = TypeAdapter(model)
        return self._validators[key]

    # -- export --------------------------------------------------------------------
    def openai_tools(self, shape: str = "chat", strict: bool = False) -> list[dict[str, Any]]:
        """OpenAI tools: ``shape="chat"`` (Chat Completions) or ``"responses"``."""
        from .export.openai import openai_tool

        return [
            openai_tool(self.manifest(n), shape=shape, strict=strict)  # type: ignore[arg-type]
            for n in self.names()
        ]

    def anthropic_tools(self) -> list[dict[str, Any]]:
        """Anthropic Messages API tools (``name``, ``description``, ``input_schema``)."""
        from .export.anthropic import anthropic_tool

        return [anthropic_tool(self.manifest(name)) for name in self.names()]

    def as_tools(
        self, tools: Any = None, names: Iterable[str] | None = None
    ) -> list[Callable[..., Any]]:
        """Skills as plain callables with real signatures, running in the sandbox.

        ``tools`` are the host tools the skills call: a mapping, a ``--tools`` spec, an
        object, or a :class:`~skillforge.providers.McpToolProvider`.
        """
        from .export.callables import skill_function
        from .providers import resolve_tools

        host = resolve_tools(tools)
        return [skill_function(self, n, host) for n in (names or self.names())]

    def dispatch(self, tool_call: Any, tools: Any = None) -> Any:
        """Run the skill a provider's tool call names; return the provider's result message.

        A list of calls gives a list of messages (Anthropic's results in one user message).
        """
        from .export.dispatch import dispatch
        from .providers import resolve_tools

        return dispatch(self, tool_call, resolve_tools(tools))

    def search(self, query: str, k: int = 5, *, refresh: bool = True) -> list[dict[str, Any]]:
        """The ``k`` skills that best match ``query`` (BM25 over a derived FTS5 index).

        ``refresh`` first re-indexes the skills whose ``skill.json`` changed (a stat of
        each: ~8 ms per 1,000 skills); a caller that already knows nothing changed, like
        the MCP server's watcher, skips it. With ``SKILLFORGE_EMBEDDING_MODEL`` set, the
        top candidates are re-ranked by embedding similarity through litellm
        (:mod:`skillforge.index_rerank`).
        """
        from .index import SkillIndex
        from .index_rerank import CANDIDATES, embedding_model, litellm_embedder, rerank

        model = embedding_model()
        index = SkillIndex.for_library(self)
        try:
            hits = index.search(query, k=max(k, CANDIDATES) if model else k, refresh=refresh)
        finally:
            index.close()
        if model:
            hits = rerank(query, hits, litellm_embedder(model))[:k]
        return [hit.as_dict() for hit in hits]


def _summary(name: str, m: dict[str, Any]) -> dict[str, Any]:
    """One ``list`` row from a manifest (cached per skill by the store)."""
    return {
        "name": name,
        "version": m["version"],
        "description": m["description"],
        "parameters": list(m["parameters"].get("properties", {})),
        "tools": m["tools"],
        "state_changing": m["state_changing"],
        "verified": m["verification"]["summary"],
    }


def _commit_message(
    name: str, version: int, manifest: dict[str, Any], trajs: list[Trajectory]
) -> str:
    from .compile.choose import llm_trailers

    verified = manifest["verification"]["summary"]
    n = len(trajs)
    lines = [
        f"skill({name}): v{version} from {n} trajector{'y' if n == 1 else 'ies'} "
        f"({manifest['compiler']}, {verified})",
        "",
        manifest["description"],
        "",
        f"Skill-Name: {name}",
        f"Skill-Version: {version}",
        *[f"Source-Trajectory: sha256:{t.sha256()}" for t in trajs],
        f"Compiler: {manifest['compiler']}",
        *llm_trailers(manifest.get("compiler_details") or {}),
        f"Verified: {verified}",
    ]
    return "\n".join(lines) + "\n"
