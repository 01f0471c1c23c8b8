"""How a typed name becomes a lookup key.

Shared by the build (which stores the keys) and the lookups (which compute them from what a
user typed), so both sides always agree.
"""

import unicodedata


def normalize(name: str) -> str:
    """Fold case, accents, full-width forms, spaces and punctuation away.

    'Vero-Vinpocetine', ' vero vinpocetine ' and 'ＶＥＲＯ-ＶＩＮＰＯＣＥＴＩＮＥ' share one key;
    Cyrillic keeps its letters ('Цераксон' -> 'цераксон', 'й' -> 'и').
    """
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name).casefold())
    return "".join(ch for ch in folded if ch.isalnum() and not unicodedata.combining(ch))


def class_key(name: str) -> str:
    """A class key that ignores a plural 's': 'Antioxidants' and 'antioxidant' meet."""
    key = normalize(name)
    return key[:-1] if key.endswith("s") and len(key) > 3 else key
