"""Reply phrases: six random words the person keeps to read answers and write again.

A phrase is drawn with ``secrets`` from a committed list of 2048 words (wordlists/, Russian or
English by the page's language): 6 × 11 = 66 bits. It is shown once and never stored: the
database keeps only the conversation's sender index of the normalised phrase
(intake.services.sender_index: an HMAC-SHA256 under a key derived inside the vault from the
keyring, which is not in the database). Why an HMAC and not a slow hash: a lookup needs a
deterministic value, and a slow hash exists to make guessing a low-entropy secret expensive;
66 random bits behind a key that a stolen database does not contain cannot be guessed
offline, and online 2**66 guesses are far beyond any rate a web server answers (at a thousand a
second, an even chance takes about a billion years).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from functools import cache
from pathlib import Path

WORDS = 6
LIST_SIZE = 2048
LISTS = Path(__file__).resolve().parent / "wordlists"
SEPARATORS = re.compile(r"[\s,.;:·\-_/]+")


@cache
def wordlist(language: str) -> tuple[str, ...]:
    """The 2048 words for ``language`` ("ru"; anything else gets the English list)."""
    name = "ru" if language.startswith("ru") else "en"
    words = tuple((LISTS / f"{name}.txt").read_text(encoding="utf-8").split())
    if len(words) != LIST_SIZE or len(set(words)) != LIST_SIZE:
        raise RuntimeError(f"word list {name} must hold {LIST_SIZE} distinct words")
    return words


def phrase_new(language: str) -> str:
    """A fresh phrase of WORDS words separated by spaces (66 bits from ``secrets``)."""
    words = wordlist(language)
    return " ".join(secrets.choice(words) for _ in range(WORDS))


def normalise(phrase: str) -> str:
    """The words as they are compared: lower case, "ё" read as "е", any spacing or
    punctuation between words, so a phrase copied from paper with line breaks still works."""
    text = unicodedata.normalize("NFC", phrase).lower().replace("ё", "е")
    return " ".join(word for word in SEPARATORS.split(text) if word)


def looks_like_phrase(phrase: str) -> bool:
    """True when the input has the shape of a phrase: WORDS words of letters only."""
    words = normalise(phrase).split()
    return len(words) == WORDS and all(word.isalpha() and len(word) <= 16 for word in words)
