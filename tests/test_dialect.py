"""store.dialect: the store's SQLite SQL as psycopg takes it, and values as PostgreSQL's columns do."""

from __future__ import annotations

from grunt_archive.store.claims import player_key
from grunt_archive.store.dialect import arguments, coerce, postgresql


def test_placeholders_become_psycopgs_and_a_percent_is_doubled():
    sql, order = postgresql("SELECT 1 FROM players WHERE player_id LIKE 'xuid(%' AND gamertag = ?")
    assert sql == "SELECT 1 FROM players WHERE player_id LIKE 'xuid(%%' AND gamertag = %s"
    assert order is None
    assert arguments(("Chief",), order) == ("Chief",)


def test_a_question_mark_in_a_string_is_text():
    assert postgresql("SELECT '?' WHERE a = ?") == ("SELECT '?' WHERE a = %s", None)


def test_numbered_placeholders_repeat_their_parameters():
    sql, order = postgresql(
        "UPDATE t SET g = (SELECT g FROM p WHERE id = ?1) WHERE k = ?1 AND x = ?2"
    )
    assert sql == "UPDATE t SET g = (SELECT g FROM p WHERE id = %s) WHERE k = %s AND x = %s"
    assert arguments(("a", "b"), order) == ("a", "a", "b")


def test_is_not_a_value_is_is_distinct_from_but_is_not_null_stays():
    sql, _ = postgresql("WHERE a IS NOT ? AND b IS NOT NULL AND c IS NOT m.name AND d IS NOT TRUE")
    assert sql == (
        "WHERE a IS DISTINCT FROM %s AND b IS NOT NULL AND c IS DISTINCT FROM m.name"
        " AND d IS NOT TRUE"
    )


def test_booleans_and_integers_take_their_columns_types():
    rows = [("xuid(1)", 0, 3), ("xuid(2)", True, False)]
    coerce("tracked_players", ("player_id", "history_complete", "backfill_offset"), rows)
    assert rows == [("xuid(1)", False, 3), ("xuid(2)", True, 0)]
    untouched = [("x", 1)]
    coerce("players", ("player_id", "gamertag"), untouched)
    assert untouched == [("x", 1)]


def test_a_players_claim_key_is_a_stable_signed_64_bit_number():
    key = player_key("xuid(2533274800000001)")
    assert key == player_key("xuid(2533274800000001)") != player_key("xuid(2533274800000002)")
    assert -(2**63) <= key < 2**63
