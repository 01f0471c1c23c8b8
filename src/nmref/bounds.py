"""How much one request may ask: the bounds the command line and the web pages share.

Every limit on input lives here, so the README, the commands and the pages agree. A request
beyond a bound is refused with a message that names it (exit 2 on the command line, a 400
page on the web), never answered slowly. Repeats are collapsed before anything is counted:
`--condition epilepsy --condition Epilepsy` is one condition.
"""

from collections.abc import Iterable

from nmref.errors import BeyondLimit
from nmref.names import normalize

# A web check: different drugs, and different conditions, at most.
MAX_CHECK_DRUGS = 10
MAX_CHECK_CONDITIONS = 5
# Characters of a name, condition or search text a web page reads.
MAX_TEXT = 200
# Different words of a search or of a `for` condition (every word must match, so a longer
# query only finds less, while each word costs the full-text index a pass).
MAX_WORDS = 20
# Cells of one `compare` column on a terminal, however wide COLUMNS says it is.
MAX_COLUMN = 100
# Names a page lists at once (the drug index, the check form's completion list).
MAX_LISTED = 500


def distinct(values: Iterable[str]) -> list[str]:
    """`values` stripped, each once by its normalised text ('Epilepsy' is 'epilepsy'), in the
    order given and as first spelled; empty ones dropped."""
    seen: dict[str, str] = {}
    for value in values:
        value = value.strip()
        key = normalize(value) or value
        if value and key not in seen:
            seen[key] = value
    return list(seen.values())


def at_most(count: int, limit: int, what: str) -> None:
    """Refuse a request with more than `limit` different `what`."""
    if count > limit:
        raise BeyondLimit(f"at most {limit} different {what} at once ({count} given)")
