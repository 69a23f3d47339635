"""Who plays a match, on which team, for how long, and how each team fares.

The world has already decided each tracked player's team and which team wins
(`world.MatchMeta`); here the other seats are filled and the numbers drawn top
down: a team's kills first, then split among its players by their skill, so
that every team total adds up and better players have the better K/D.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from grunt_archive.simulator.data import catalog
from grunt_archive.simulator.data.catalog import Mode
from grunt_archive.simulator.data.playerstats import Play, split
from grunt_archive.simulator.data.ranks import LEFT, LOSS, TIE, WIN
from grunt_archive.simulator.data.world import (
    MATCHMADE,
    MatchMeta,
    kill_limit,
    player_skill,
    team_size,
    time_limit_ticks,
)

__all__ = ["LEFT", "LOSS", "TIE", "WIN", "Seat", "decide_plays", "seat_players"]
# Bot difficulty (1 Marine, 2 ODST, 3 Spartan, 4 Recruit, 5 Adaptive) -> skill; Adaptive: None.
_BOT_SKILL = {1: 0.75, 2: 0.9, 3: 1.05, 4: 0.55, 5: None}
_BOT_DIFFICULTIES = (4, 4, 1, 2, 2, 3, 3, 5)
# Bot difficulty -> the share of its shots that hit, drawn evenly between the two. Real
# Recruits land 1.6 to 16 % (SPNKr's recorded matches); the harder bots are the game's
# promise of better aim, and Adaptive follows its opponents, so it spans most of the range.
_BOT_AIM = {4: (0.02, 0.17), 1: (0.08, 0.22), 2: (0.12, 0.28), 3: (0.18, 0.36), 5: (0.05, 0.3)}
_MOST_KILLS = 30  # a great game; beyond it, real PvP matches all but never go


@dataclass
class Seat:
    """One player or bot of a match.

    Attributes:
        player_id: ``xuid(…)`` or ``bid(N.0)``.
        difficulty: Bot difficulty, None for humans.
        teams: Teams played for, in order; the last is ``LastTeamId``.
        shares: Fraction of the match played on each of `teams`.
        skill: How well the player plays this match (1.0 is the median).
        quit: Left before the end (Outcome 4).
        late: Joined in progress.
        plays: What the player did on each of `teams`, filled by `decide_plays`.

    """

    player_id: str
    difficulty: int | None
    teams: list[int]
    shares: list[float]
    skill: float
    quit: bool = False
    late: bool = False
    tracked: bool = False
    plays: list[Play] = field(default_factory=list)

    @property
    def human(self) -> bool:
        """Whether the seat is a person (PlayerType 1) rather than a bot."""
        return self.difficulty is None

    @property
    def score(self) -> int:
        """The player's Score over every team they played for."""
        return sum(play.score for play in self.plays)


def _people(
    rng: random.Random, meta: MatchMeta, tracked: list[str], strangers: Sequence[str], wanted: int
) -> Iterator[tuple[str, float]]:
    """Yield strangers to seat, each with this match's skill."""
    logs = [math.log(player_skill(p)) for p in tracked]
    centre = 0.6 * sum(logs) / len(logs)  # matchmaking finds players like the party
    for xuid in rng.sample(strangers, min(wanted, len(strangers))):
        player_id = f"xuid({xuid})"
        if meta.lifecycle == MATCHMADE:
            yield player_id, math.exp(centre + rng.gauss(0, 0.18))
        else:
            yield player_id, player_skill(player_id)


def _bots(rng: random.Random, count: int, team: int, fallback: float) -> list[Seat]:
    seats = []
    for number in rng.sample(range(60), count):
        difficulty = rng.choice(_BOT_DIFFICULTIES)
        skill = _BOT_SKILL[difficulty] or fallback
        seats.append(Seat(f"bid({number}.0)", difficulty, [team], [1.0], skill))
    return seats


def seat_players(
    rng: random.Random, meta: MatchMeta, tracked: list[str], strangers: Sequence[str]
) -> list[Seat]:
    """Choose the players of a match and put them on teams.

    Args:
        rng: The match's random generator.
        meta: The match; its `sides` place the tracked players.
        tracked: ``xuid(…)`` ids of the tracked players who played, as `meta.tracked`.
        strangers: Bare xuids of everyone else in the world.

    Returns:
        The seats, in the order the document lists its players.

    """
    mode = catalog.MODES[meta.mode]
    matchmade = meta.lifecycle == MATCHMADE
    size = team_size(meta.mode, meta.playlist)
    pool = _people(rng, meta, tracked, strangers, 2 * size + 4)
    seats = [Seat(p, None, [side], [1.0], player_skill(p), tracked=True)
             for p, side in zip(tracked, meta.sides, strict=True)]  # fmt: skip
    average = math.exp(sum(math.log(s.skill) for s in seats) / len(seats))
    if mode.free_for_all:
        return _seat_free_for_all(rng, meta, seats, pool, average)
    if not mode.teams_enabled or mode.pve:  # Infection and Firefight: one side of humans
        room = size - len(seats) if matchmade else rng.randint(0, 3) * (not meta.bots)
        seats += [Seat(p, None, [0], [1.0], s) for p, s in (next(pool) for _ in range(room))]
        if meta.bots:
            seats += _bots(rng, rng.randint(2, 6), 0, average)
    else:
        home = meta.sides[0]
        if meta.bots:
            count = size if matchmade else rng.randint(1, 4)
            seats += _bots(rng, count, 1 - home, average)
        sizes = {team: size if matchmade else max(rng.randint(2, 4), meta.sides.count(team))
                 for team in (0, 1)}  # fmt: skip
        for team in (0, 1):
            if meta.bots and (team != home or not matchmade):
                continue
            missing = sizes[team] - sum(s.teams[0] == team for s in seats)
            seats += [
                Seat(p, None, [team], [1.0], s)
                for p, s in (next(pool) for _ in range(max(missing, 0)))
            ]
    if meta.quit:
        leaver = seats[0]
        leaver.quit, leaver.shares = True, [rng.uniform(0.2, 0.8)]
        # Matchmaking fills the empty slot, but not in ranked play (its playlists let
        # nobody join in progress: `assets.playlist_settings`).
        if matchmade and not catalog.PLAYLIST_SPECS[meta.playlist or ""].ranked:
            player_id, skill = next(pool)
            seats.append(Seat(player_id, None, [leaver.teams[0]], [1 - leaver.shares[0]], skill))
            seats[-1].late = True
    if meta.switch and mode.teams_enabled and not mode.pve:
        movers = [s for s in seats if s.human and not s.late and not s.tracked]
        if movers:  # a stranger changes sides, so tracked results stay the world's
            mover = rng.choice(movers)
            first = rng.uniform(0.2, 0.8)
            mover.teams, mover.shares = [mover.teams[0], 1 - mover.teams[0]], [first, 1 - first]
    rng.shuffle(seats)
    return seats


def _seat_free_for_all(
    rng: random.Random, meta: MatchMeta, seats: list[Seat], pool: Iterator, average: float
) -> list[Seat]:
    """Fill an FFA lobby (`MatchMeta.field` players) and give every player a team of their own.

    As the real free-for-all skill document (grunt2022__match_skill.json: twelve
    TeamMmrs, the player's own among them), each player is a team; the ids follow the
    order the document lists the players. A custom game against bots is the player
    and bots, now and then a friend or two besides. Matchmaking fills a leaver's
    seat in progress, with a player who gets a team of their own (FFA Slayer is not
    ranked); a custom game plays on one short.
    """
    others = (meta.field or team_size(meta.mode, meta.playlist)) - len(seats)
    if meta.bots:
        people = rng.randint(0, others // 3)
        seats += _bots(rng, others - people, 0, average)
        others = people
    seats += [Seat(p, None, [0], [1.0], s) for p, s in (next(pool) for _ in range(others))]
    if meta.quit:
        leaver = seats[0]
        leaver.quit, leaver.shares = True, [rng.uniform(0.2, 0.8)]
        if meta.lifecycle == MATCHMADE:
            player_id, skill = next(pool)
            seats.append(Seat(player_id, None, [0], [1 - leaver.shares[0]], skill, late=True))
    rng.shuffle(seats)
    for team, seat in enumerate(seats):
        seat.teams = [team]
    return seats


def _free_for_all(
    rng: random.Random, meta: MatchMeta, seats: list[Seat], seconds: float
) -> tuple[list[int], list[int]]:
    """Decide an FFA match: places, kills and deaths; Outcome and Score of each player's team.

    The tracked player finishes in the world's place (`MatchMeta.place`), the others
    by skill, give or take. The winner reached 25 kills, unless the clock ran out
    first; each place below has fewer kills (Score is kills, as in Slayer), so the
    places are the ranks. Every kill is someone's death. First place wins (Outcome 2,
    as the one real team-less match of spnkr__get_match_history.json: Rank 1, Outcome
    2); every other place loses (Outcome 3): halo-api.md is silent on them, and a
    win for a podium place would make no sense of Rank.
    """
    at_time = meta.duration_ticks > time_limit_ticks(meta.mode, meta.playlist)
    top = rng.randint(14, 24) if at_time else 25
    tracked = [s for s in seats if s.tracked]
    order = sorted((s for s in seats if not s.tracked),
                   key=lambda s: -s.skill * rng.uniform(0.7, 1.3))  # fmt: skip
    for seat in tracked:
        order.insert(min(meta.place or 1, len(order) + 1) - 1, seat)
    count, kills = len(order), [top]
    for place in range(1, len(order)):  # strictly fewer each place down, and never below 0
        drop = round(top * (1 - place * rng.uniform(0.07, 0.13)))
        kills.append(max(count - 1 - place, min(kills[-1] - 1, drop)))
    entries = [_Entry(s, s.teams[0], s.shares[0]) for s in order]
    for entry, made in zip(entries, kills, strict=True):
        entry.kills = entry.score = round(made * entry.share)
    weights = [e.share / math.sqrt(e.seat.skill) * rng.uniform(0.75, 1.25) for e in entries]
    deaths = split(rng, sum(e.kills for e in entries), weights)
    for entry, died in zip(entries, deaths, strict=True):
        entry.deaths = died
    winner = max((e for e in entries if not e.seat.quit), key=lambda e: e.score)
    outcomes, scores = [LOSS] * len(entries), [0] * len(entries)
    for entry in entries:
        won = entry is winner
        outcomes[entry.team], scores[entry.team] = WIN if won else LOSS, entry.score
        play = Play(
            entry.kills,
            entry.deaths,
            entry.score,
            seconds * entry.share,
            (int(won), int(not won), 0),
            won,
            _aim(rng, entry.seat, meta, False),
            0,
        )
        entry.seat.plays.append(play)  # fmt: skip
    return outcomes, scores


@dataclass
class _Entry:
    """A seat's time on one team while the numbers are being decided."""

    seat: Seat
    team: int
    share: float
    kills: int = 0
    deaths: int = 0
    score: int = 0
    objectives: int = 0


def _infection_teams(rng: random.Random, seats: list[Seat], survivors_won: bool) -> list[int]:
    """Infect players (team 1) and return the Outcome of survivors and infected."""
    alphas = set(rng.sample(range(len(seats)), k=min(2, len(seats))))
    for index, seat in enumerate(seats):
        infected = index in alphas or not survivors_won or rng.random() < 0.6
        seat.teams = [int(infected)]
    if survivors_won and all(s.teams[0] for s in seats):
        seats[-1].teams = [0]
    return [WIN, LOSS] if survivors_won else [LOSS, WIN]


def _limit_kills(rng: random.Random, meta: MatchMeta, limit: int) -> list[int]:
    """Return both teams' kills in Slayer: the winner reached the limit, or the time ran out.

    `world` made the match last until the winners got there, or until the time limit
    (always so for a tie), so only the margin is left to draw.
    """
    at_time = meta.winner < 0 or meta.duration_ticks >= time_limit_ticks(meta.mode, meta.playlist)
    top = min(limit - 1, round(limit * rng.uniform(0.6, 0.97))) if at_time else limit
    if meta.winner < 0:
        return [top, top]
    low = min(top - 1, round(top * rng.uniform(0.5, 0.96)))
    return [top, low] if meta.winner == 0 else [low, top]


def _team_kills(
    rng: random.Random, mode: Mode, meta: MatchMeta, entries: list[_Entry], seconds: float
) -> list[int]:
    """Return both teams' kills: by headcount and pace, the winner's more; Slayer's to its limit."""
    limit = kill_limit(meta.mode, meta.playlist)
    if limit is not None:
        smallest = min(sum(e.share for e in entries if e.team == t) for t in (0, 1))
        # A custom game of one or two a side is set up to the doubles' limit.
        return _limit_kills(rng, meta, min(limit, 25) if smallest < 2.5 else limit)
    size = team_size(meta.mode, meta.playlist)
    per_player = mode.kill_rate * (0.6 if size > 4 else 1.0)  # big maps: more travel
    minutes = seconds / 60 * rng.uniform(0.85, 1.15)
    base = [per_player * minutes * sum(e.share for e in entries if e.team == t) for t in (0, 1)]
    if meta.winner < 0:
        tied = round(sum(base) / 2)
        return [tied, tied]
    won, lost = base[meta.winner], base[1 - meta.winner]
    top, low = round(won * rng.uniform(1.0, 1.2)), round(lost * rng.uniform(0.8, 1.0))
    return [top, low] if meta.winner == 0 else [low, top]


def _team_scores(rng: random.Random, mode: Mode, meta: MatchMeta, kills: list[int]) -> list[int]:
    if mode.win_score is None:  # Slayer: the score is the kills
        return kills
    win = mode.win_score
    loser = rng.randint(win // 3 if win > 10 else 0, win - 1)
    if meta.winner < 0:
        return [loser, loser]
    return [win if team == meta.winner else loser for team in (0, 1)]


def _oddball_rounds(
    rng: random.Random, mode: Mode, meta: MatchMeta
) -> tuple[list[int], list[tuple[int, int, int]]]:
    """Play Oddball's best of three rounds to `mode.win_score`.

    Returns:
        Each team's score summed over the rounds, and its (RoundsWon, RoundsLost,
        RoundsTied). A long match went to a third round; a tie is one round each
        and a third the clock ended level.

    """
    winner, third = meta.winner, meta.duration_ticks * 2 >= sum(mode.minutes) * 600_000_000
    if winner < 0:
        order = [*rng.sample((0, 1), 2), -1]
    elif third:
        order = [*rng.sample((winner, 1 - winner), 2), winner]
    else:
        order = [winner, winner]
    scores, won, tied = [0, 0], [0, 0], 0
    for round_winner in order:
        if round_winner < 0:
            level = rng.randint(30, mode.win_score - 1)
            scores, tied = [score + level for score in scores], tied + 1
            continue
        scores[round_winner] += mode.win_score
        scores[1 - round_winner] += rng.randint(10, mode.win_score - 1)
        won[round_winner] += 1
    return scores, [(won[team], won[1 - team], tied) for team in (0, 1)]


def _split_versus(rng: random.Random, entries: list[_Entry], kills: list[int]) -> None:
    """Split each team's kills among its players by skill, and the other team's as deaths."""
    for team in (0, 1):
        mine = [e for e in entries if e.team == team]
        if not mine:
            continue
        noise = [rng.uniform(0.75, 1.25) for _ in mine]
        weights = [e.share * e.seat.skill * n for e, n in zip(mine, noise, strict=True)]
        for entry, part in zip(mine, split(rng, kills[team], weights), strict=True):
            entry.kills = part
        _spread_excess(mine)
        weights = [
            e.share / math.sqrt(e.seat.skill) * (2 - n) for e, n in zip(mine, noise, strict=True)
        ]
        for entry, part in zip(mine, split(rng, kills[1 - team], weights), strict=True):
            entry.deaths = part


def _spread_excess(mine: list[_Entry]) -> None:
    """Hand kills beyond the most anyone makes in a match to the team's quietest players."""
    for entry in mine:
        while entry.kills > _MOST_KILLS:
            quietest = min(mine, key=lambda e: e.kills)
            if quietest.kills >= _MOST_KILLS:
                return
            entry.kills, quietest.kills = entry.kills - 1, quietest.kills + 1


def _solo(rng: random.Random, mode: Mode, entry: _Entry, seconds: float, won: bool) -> None:
    """Draw the kills and deaths of one player of Infection or Firefight.

    A Firefight fireteam kills 5.5 to 8.5 of the AI a minute each, the better players
    a little more (the real fireteam: 5.4 to 8.5), and seldom dies: a few times, more
    in a match it lost.
    """
    minutes = seconds / 60 * entry.share
    if mode.pve:
        pace = rng.uniform(5.5, 8.5) * math.sqrt(entry.seat.skill)
        entry.kills = max(0, round(pace * minutes))
        dying = rng.expovariate(1 / (1.8 if won else 4.0)) / entry.seat.skill
        entry.deaths = min(12, int(dying))
    else:
        entry.kills = max(0, round(rng.gauss(mode.kill_rate, 0.2) * entry.seat.skill * minutes))
        entry.deaths = max(0, round(rng.gauss(entry.kills * 0.8 + 2, 2)))


def _aim(rng: random.Random, seat: Seat, meta: MatchMeta, pve: bool) -> float:
    """Draw the share of a player's shots that hit in a match.

    Matchmade players land 37 to 63 % of their shots (the better ones more), and a
    little more against the AI; against bots people hit most shots and bots few, the
    harder ones more, as the services record them.
    """
    if not seat.human:
        return rng.uniform(*_BOT_AIM[seat.difficulty or 5])
    if meta.bots:
        return min(0.92, max(0.45, rng.gauss(0.72, 0.08)))
    centre = 0.5 + 0.12 * math.log(seat.skill) + 0.05 * pve
    return min(0.7, max(0.3, rng.gauss(centre, 0.05)))


def decide_plays(rng: random.Random, meta: MatchMeta, seats: list[Seat], seconds: float
                 ) -> tuple[list[int], list[int]]:  # fmt: skip
    """Decide kills, deaths, scores and outcomes; fill every seat's `plays`.

    Team totals add up by construction: a team's Score is split among the
    players who played for it, and its deaths are the other team's kills.

    Args:
        rng: The match's random generator.
        meta: The match (its mode, and its winner as the world decided it).
        seats: The players, from `seat_players`.
        seconds: Playable seconds of the match.

    Returns:
        The Outcome and the Score of team 0 and team 1 (Infection: of survivors and
        infected).

    """
    mode = catalog.MODES[meta.mode]
    if mode.free_for_all:
        return _free_for_all(rng, meta, seats, seconds)
    if mode.key == "infection":
        outcomes = _infection_teams(rng, seats, meta.winner == 0)
    entries = [_Entry(s, team, s.shares[i]) for s in seats for i, team in enumerate(s.teams)]
    team_rounds: list[tuple[int, int, int]] = []  # (won, lost, tied) of each team, if played
    if mode.key == "infection" or mode.pve:
        for entry in entries:
            _solo(rng, mode, entry, seconds, meta.winner == 0)
        team_scores = [0, 0]
        if mode.pve:
            won = meta.winner == 0
            outcomes = [WIN if won else LOSS, LEFT]
            team_scores = [mode.win_score if won else rng.randint(1, mode.win_score - 1), 0]
    else:
        kills = _team_kills(rng, mode, meta, entries, seconds)
        _split_versus(rng, entries, kills)
        if mode.key == "oddball":
            team_scores, team_rounds = _oddball_rounds(rng, mode, meta)
        else:
            team_scores = _team_scores(rng, mode, meta, kills)
        outcomes = [TIE, TIE] if meta.winner < 0 else [WIN, LOSS] if meta.winner == 0 else [
            LOSS, WIN]  # fmt: skip
    if mode.key in ("elimination", "attrition"):  # the score is the rounds won
        team_rounds = [(team_scores[team], team_scores[1 - team], 0) for team in (0, 1)]
    for team in (0, 1):
        mine = [e for e in entries if e.team == team]
        if mode.win_score is None:
            for entry in mine:
                entry.score = entry.kills
        elif mode.pve:
            # Every hill the fireteam completes while a player is there is an objective of
            # theirs; they score the ones they stood on (the real fireteam: 5 objectives
            # each, 3 to 5 hills scored).
            for entry in mine:
                entry.objectives = round(team_scores[team] * entry.share)
                entry.score = max(0, entry.objectives - int(rng.random() * 3))
        else:
            weights = [e.share * math.sqrt(e.seat.skill) * rng.uniform(0.2, 1.8) for e in mine]
            for entry, part in zip(mine, split(rng, team_scores[team], weights), strict=True):
                entry.score = part
    for entry in entries:
        outcome = outcomes[entry.team]
        if team_rounds:
            rounds = team_rounds[entry.team]
        else:
            rounds = (int(outcome == WIN), int(outcome == LOSS), int(outcome == TIE))
        play = Play(entry.kills, entry.deaths, entry.score, seconds * entry.share, rounds,
                    outcome == WIN, _aim(rng, entry.seat, meta, mode.pve),
                    entry.objectives, entry.team)  # fmt: skip
        entry.seat.plays.append(play)
    return outcomes, team_scores
