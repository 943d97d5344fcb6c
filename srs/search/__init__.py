"""Provides Anki's search syntax over the collection: parse a query, turn it into a SQL
condition over cards and notes, and list the card ids it finds.

    node = parse_query('deck:French -is:suspended (dog or "a cat")')
    where = card_filter(node, now=clock.now(), tz=clock.tz)
    ids = search_cards(session, "tag:verbs is:due", now=clock.now(), tz=clock.tz)
"""

from __future__ import annotations

from srs.search.nodes import Node
from srs.search.parser import parse_query
from srs.search.query import ORDERS, prepare_connection, search_cards
from srs.search.sql import card_filter

__all__ = ["ORDERS", "Node", "card_filter", "parse_query", "prepare_connection", "search_cards"]
