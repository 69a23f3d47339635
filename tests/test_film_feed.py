"""The kill feed pairs kills with deaths honestly, and reconcile shows where films and stats differ."""

from __future__ import annotations

import copy
import json

import pytest

from grunt_archive.film.feed import MAX_CLUSTER_KILLS, Disagreement, pair_kills, reconcile
from grunt_archive.film.reader import FilmEvent, read_events
from tests.film_samples import FILM, SAMPLES, SMALL_V37, SMALL_V37_STATS, expected_rows, sample_file

A, B, C, D = 2533274800000001, 2533274800000002, 2533274800000003, 2533274800000004
TAGS = {A: "Alpha", B: "Bravo", C: "Charlie", D: "Delta"}


def kill(xuid: int, time_ms: int) -> FilmEvent:
    return FilmEvent(xuid, TAGS[xuid], "kill", time_ms)


def death(xuid: int, time_ms: int) -> FilmEvent:
    return FilmEvent(xuid, TAGS[xuid], "death", time_ms)


def feed_of(*events: FilmEvent) -> list[tuple[str, str | None, int, bool]]:
    return [
        (k.killer_gamertag, k.victim_gamertag, k.time_ms, k.ambiguous) for k in pair_kills(events)
    ]


def test_a_kill_pairs_with_the_death_at_the_same_moment():
    assert feed_of(kill(A, 1000), death(B, 1003), death(C, 9000)) == [
        ("Alpha", "Bravo", 1000, False)
    ]


def test_the_window_is_five_ms_either_side():
    assert feed_of(kill(A, 1000), death(B, 995))[0][1] == "Bravo"
    assert feed_of(kill(A, 1000), death(B, 1005))[0][1] == "Bravo"
    assert feed_of(kill(A, 1000), death(B, 994)) == [("Alpha", None, 1000, False)]
    assert feed_of(kill(A, 1000), death(B, 1006)) == [("Alpha", None, 1000, False)]


def test_two_deaths_within_the_window_of_one_kill_are_ambiguous():
    feed = pair_kills([kill(A, 1000), death(B, 1001), death(C, 1003)])
    assert len(feed) == 1 and feed[0].ambiguous and feed[0].candidates == 2
    assert feed[0].victim_gamertag == "Bravo"  # the closer in time is kept


def test_two_killers_sharing_two_deaths_are_ambiguous():
    feed = pair_kills([kill(A, 1000), kill(B, 1002), death(C, 1001), death(D, 1003)])
    assert [k.ambiguous for k in feed] == [True, True]
    assert {k.victim_gamertag for k in feed} == {"Charlie", "Delta"}


def test_a_double_kill_names_both_victims_without_ambiguity():
    feed = feed_of(kill(A, 1000), kill(A, 1000), death(B, 1000), death(C, 1001))
    assert sorted(feed) == [("Alpha", "Bravo", 1000, False), ("Alpha", "Charlie", 1000, False)]


def test_a_trade_pairs_each_kill_with_the_other_players_death():
    feed = feed_of(kill(A, 1000), death(A, 1000), kill(B, 1000), death(B, 1001))
    assert sorted(feed) == [("Alpha", "Bravo", 1000, False), ("Bravo", "Alpha", 1000, False)]


def test_a_players_own_death_is_never_their_victim():
    assert feed_of(kill(A, 1000), death(A, 1000)) == [("Alpha", None, 1000, False)]


def test_a_death_is_given_to_one_kill_only():
    feed = feed_of(kill(A, 1000), kill(B, 1001), death(C, 1000))
    assert sorted(f[1] or "" for f in feed) == ["", "Charlie"]
    assert all(f[3] for f in feed)  # which killer had it, the events cannot say


def test_the_fullest_pairing_wins_over_the_closest():
    # A's kill is closest to C's death, but giving it D's leaves C's for B: both kills paired.
    feed = feed_of(kill(A, 1000), kill(B, 1006), death(C, 1001), death(D, 996))
    assert sorted(feed) == [("Alpha", "Delta", 1000, False), ("Bravo", "Charlie", 1006, False)]


def test_a_huge_cluster_is_paired_by_time_and_marked_ambiguous():
    count = MAX_CLUSTER_KILLS + 1
    events = [kill(A if n % 2 else B, 1000 + n) for n in range(count)]
    events += [death(C if n % 2 else D, 1000 + n) for n in range(count)]
    feed = pair_kills(events)
    assert len(feed) == count and all(k.ambiguous for k in feed)


def test_the_feed_is_in_time_order_and_ignores_medals_and_mode_events():
    events = [
        kill(B, 5000),
        death(A, 5001),
        FilmEvent(A, "Alpha", "medal", 1000, 107, "Nade Shot"),
        FilmEvent(A, "Alpha", "mode", 1000),
        kill(A, 1000),
        death(B, 1000),
    ]
    assert feed_of(*events) == [("Alpha", "Bravo", 1000, False), ("Bravo", "Alpha", 5000, False)]


def test_pairing_leaves_its_input_alone():
    events = [kill(A, 1000), death(B, 1000)]
    before = copy.deepcopy(events)
    pair_kills(events)
    assert events == before


@pytest.mark.parametrize("row", expected_rows(), ids=lambda row: f"v{row.version}")
def test_every_kill_of_the_real_films_finds_a_victim(row):
    feed = pair_kills(read_events(sample_file(row.file_prefix).read_bytes(), row.version))
    assert len(feed) == row.counts["kill"]
    assert all(k.victim_xuid is not None for k in feed)
    assert all(k.victim_xuid != k.killer_xuid for k in feed)
    # A kill is only ambiguous where more than one death fits its window.
    assert all(k.candidates > 1 for k in feed if k.ambiguous)


def small_v37() -> tuple[list[FilmEvent], dict]:
    if FILM is None:
        pytest.skip("no shared/halo-samples/film to read")
    events = read_events((FILM / SMALL_V37).read_bytes(), 37)
    return events, json.loads((SAMPLES / SMALL_V37_STATS).read_text())


def test_the_small_v37_sample_reconciles_with_its_match_stats():
    events, stats = small_v37()
    assert reconcile(events, stats) == []
    # Its kills were of a bot, and bots leave no events: no victim, nothing ambiguous.
    assert [(k.victim_xuid, k.ambiguous) for k in pair_kills(events)] == [(None, False)] * 2


def test_reconcile_lists_each_count_that_differs():
    events, stats = small_v37()
    changed = copy.deepcopy(stats)
    core = changed["Players"][0]["PlayerTeamStats"][0]["Stats"]["CoreStats"]
    core["Kills"] += 1
    core["Medals"].append({"NameId": 622331684, "Count": 2, "TotalPersonalScoreAwarded": 100})
    before = copy.deepcopy(changed)
    stranger = FilmEvent(2533274899999999, "Stranger", "death", 5000)
    assert reconcile([*events, stranger], changed) == [
        Disagreement("xuid(2533274899999999)", "deaths", 1, 0),
        Disagreement("xuid(2535445291321133)", "kills", 2, 3),
        Disagreement("xuid(2535445291321133)", "medals", 1, 3),
    ]
    assert changed == before


def test_reconcile_counts_a_player_across_the_teams_they_played_on():
    stats = {
        "Players": [
            {
                "PlayerId": f"xuid({A})",
                "PlayerTeamStats": [
                    {"Stats": {"CoreStats": {"Kills": 1, "Deaths": 0, "Medals": []}}},
                    {"Stats": {"CoreStats": {"Kills": 1, "Deaths": 1, "Medals": []}}},
                ],
            },
            {"PlayerId": "bid(2.0)", "PlayerTeamStats": [{"Stats": {"CoreStats": {"Kills": 9}}}]},
        ]
    }
    assert reconcile([kill(A, 1), kill(A, 2), death(A, 3)], stats) == []
    assert reconcile([kill(A, 1)], stats) == [
        Disagreement(f"xuid({A})", "kills", 1, 2),
        Disagreement(f"xuid({A})", "deaths", 0, 1),
    ]
