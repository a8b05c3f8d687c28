"""The compiler on arbitrary runs: it compiles to code that parses, or says why it cannot."""

from __future__ import annotations

import ast
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillforge.compile import compile_trace
from skillforge.errors import SkillforgeError
from skillforge.trajectory import loads
from tests.conftest import chat_run

WORDS = st.sampled_from(["#W100", "#W200", "ann_1", "Mug", "Lamp", 'say "hi"', "a\\b", "x"])
KEYS = st.sampled_from(["id", "name", "items", "order id", "options", "user_id"])
JSON = st.recursive(
    st.one_of(WORDS, st.integers(-3, 300), st.booleans(), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=8,
)
CALL = st.tuples(
    st.sampled_from(["get_order", "find_user_id", "cancel_order", "update_item", "list_all"]),
    st.dictionaries(st.sampled_from(["order_id", "item_ids", "name", "options"]), JSON, max_size=3),
    st.one_of(JSON.map(json.dumps), WORDS, st.just("Error: not found")),
)
RUN = st.tuples(
    st.dictionaries(
        st.sampled_from(["order_id", "item_names", "name", "changes"]), JSON, max_size=3
    ),
    st.lists(CALL, min_size=1, max_size=4),
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(runs=st.lists(RUN, min_size=1, max_size=3))
def test_compiles_to_parsable_code_or_a_compile_error(runs) -> None:
    trajs = [t for inputs, calls in runs for t in loads(json.dumps(chat_run("t", inputs, calls)))]
    try:
        draft = compile_trace(trajs, "fuzzed", [f"run{i}" for i in range(len(trajs))])
    except SkillforgeError:
        return
    ast.parse(draft.source)
