"""Finding services by the words in their names and descriptions.

Chinese has no spaces, so text is segmented into words with jieba (its search
mode also yields the shorter words inside long ones: 居家养老 → 居家, 养老,
居家养老), with a small dictionary of social-assistance terms. Each service keeps
its words in ``service_term``; a query is segmented the same way and answered by
an indexed join, ranked by how many query words matched, then by where (a word
of the name counts more than one of the description).
"""

from __future__ import annotations

import logging
import threading
from importlib import resources

from sqlalchemy import delete, func, insert, select

from aidbridge.extensions import db
from aidbridge.pool.models import Service, ServiceTerm

NAME_WEIGHT = 3
DESCRIPTION_WEIGHT = 1
MAX_TERM_LENGTH = 40
_lock = threading.Lock()
_segmenter = None


def _jieba():
    """The segmenter, loaded on first use (its dictionary takes most of a second)."""
    global _segmenter
    with _lock:
        if _segmenter is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            words = resources.files("aidbridge.pool").joinpath("data/words.txt")
            with words.open(encoding="utf-8") as handle:
                for line in handle:
                    word, freq, tag = line.split()
                    jieba.add_word(word, int(freq), tag)
            _segmenter = jieba
    return _segmenter


def words(text: str) -> set[str]:
    """The searchable words of a text: lower-cased, two characters or more."""
    return {
        token.strip().lower()
        for token in _jieba().cut_for_search(text or "")
        if len(token.strip()) >= 2 and len(token) <= MAX_TERM_LENGTH and token.strip().isalnum()
    }


def service_terms(name: str, description: str) -> dict[str, int]:
    terms = dict.fromkeys(words(description), DESCRIPTION_WEIGHT)
    terms.update(dict.fromkeys(words(name), NAME_WEIGHT))
    return terms


def reindex(service: Service) -> None:
    """Rewrite the service's words (call after its name or description changes)."""
    db.session.execute(delete(ServiceTerm).where(ServiceTerm.service_id == service.id))
    terms = service_terms(service.name, service.description)
    if terms:
        db.session.execute(
            insert(ServiceTerm),
            [{"service_id": service.id, "term": t, "weight": w} for t, w in terms.items()],
        )


def text_match(query: str):
    """A subquery of (service_id, matched, score) for the query's words, or None when
    the query has no searchable word."""
    terms = words(query)
    if not terms:
        return None
    return (
        select(
            ServiceTerm.service_id,
            func.count().label("matched"),
            func.sum(ServiceTerm.weight).label("score"),
        )
        .where(ServiceTerm.term.in_(sorted(terms)))
        .group_by(ServiceTerm.service_id)
        .subquery("text_match")
    )
