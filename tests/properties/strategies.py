"""Hypothesis strategies for what a browser (or a bot) may send in a form field: any text
(NUL characters included), huge and odd numbers, CR/LF in `next`, dates from year 2 on."""

import os
from datetime import datetime

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: every property test: fast (PROPERTY_EXAMPLES=1000 for a longer hunt), with no example
#: database (a failure prints the example to reproduce it)
FAST = settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "50")),
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the app and its database serve every example
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)

INT32 = (-(2**31), 2**31 - 1)

_characters = st.characters(
    exclude_categories=("Cs",),  # lone surrogates cannot be sent as UTF-8
)
text = st.text(_characters, max_size=60)
long_text = st.text(_characters, min_size=100, max_size=400).map(lambda s: (s * 30)[:12_000])
SPECIAL_STRINGS = [
    "",
    " ",
    "0",
    "-1",
    "1e9",
    "1.5",
    "7,00",
    "NaN",
    "inf",
    "-0",
    "١٢",
    "0x10",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "%",
    "é" * 121,
]
numbers = st.one_of(
    st.integers(*INT32),
    st.integers(),  # huge: only where the form bounds it before any query
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
).map(str)
db_ids = st.integers(*INT32).map(str)


#: anything a field may hold
value = st.one_of(text, numbers, st.sampled_from(SPECIAL_STRINGS), long_text)
#: a `next` field or parameter
next_value = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",))),
    st.sampled_from(["/cart", "//evil.example", "https://evil.example/", "/\\evil.example"]),
)
#: an id field (product_id, a comment id): ids, huge numbers, "²", any text
id_value = st.one_of(db_ids, st.integers().map(str), text, st.sampled_from([*SPECIAL_STRINGS, "²"]))
datetime_local = st.one_of(
    st.datetimes(min_value=datetime(2, 1, 1)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
    value,
)


_extra_fields = st.dictionaries(
    st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=12),
    value,
    max_size=3,
)


def form(fields: dict, valid: dict):
    """Form data: the `valid` submission with any number of its fields replaced by one of
    `fields`' values or left out, plus, sometimes, fields the form does not know.

    Starting from a valid submission lets the happy path and the rules behind it run too,
    not only the field validators (random text almost never makes a valid form)."""

    @st.composite
    def build(draw):
        data = dict(valid)
        for name in draw(st.sets(st.sampled_from(sorted(fields)))):
            replacement = draw(st.one_of(st.none(), fields[name]))
            if replacement is None:
                data.pop(name, None)
            else:
                data[name] = replacement
        extras = draw(_extra_fields)
        return {
            **{k: v for k, v in extras.items() if k not in fields and k != "csrf_token"},
            **data,
        }

    return build()
