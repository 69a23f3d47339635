"""Who plays a match, on which team, for how long, and how each team fares."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from grunt_archive.simulator.data.catalog import Mode
from grunt_archive.simulator.data.playerstats import Play, split
from grunt_archive.simulator.data.world import MATCHMADE

WIN, LOSS, TIE, LEFT = 2, 3, 1, 4  # Outcome values


@dataclass
class Seat:
    """One player or bot of a match.

    Attributes:
        player_id: ``xuid(…)`` or ``bid(N.0)``.
        difficulty: Bot difficulty, None for humans.
        teams: Teams played for, in order; the last is ``LastTeamId``.
        shares: Fraction of the match played on each of `teams`.
        skill: How well the player plays (1.0 is average).
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
    plays: list[Play] = field(default_factory=list)

    @property
    def human(self) -> bool:
        """Whether the seat is a person (PlayerType 1) rather than a bot."""
        return self.difficulty is None

    @property
    def score(self) -> int:
        """The player's Score over every team they played for."""
        return sum(play.score for play in self.plays)


def _human(player_id: str, team: int, rng: random.Random) -> Seat:
    return Seat(player_id, None, [team], [1.0], rng.uniform(0.6, 1.5))


def seat_players(
    rng: random.Random,
    mode: Mode,
    meta_flags: tuple[int, bool, bool, bool],
    tracked: list[str],
    strangers: Sequence[str],
) -> list[Seat]:
    """Choose the players of a match and put them on teams.

    Args:
        rng: The match's random generator.
        mode: The game mode.
        meta_flags: (lifecycle, bots, quit, switch) of the match.
        tracked: ``xuid(…)`` ids of the tracked players who played; the first
            is the one the match was made for.
        strangers: Bare xuids of everyone else in the world.

    Returns:
        The seats, in the order the document lists its players.

    """
    lifecycle, bots, quits, switch = meta_flags
    matchmade = lifecycle == MATCHMADE
    # One draw of distinct people, so nobody is seated twice.
    wanted = 2 * max(len(tracked), mode.team_size) + 2
    pool = iter(f"xuid({x})" for x in rng.sample(strangers, min(wanted, len(strangers))))
    if not mode.teams_enabled or mode.pve:  # Infection and Firefight: one side of humans
        size = max(len(tracked), mode.team_size if matchmade else len(tracked))
        ids = tracked + [next(pool) for _ in range(size - len(tracked))]
        seats = [_human(player_id, 0, rng) for player_id in ids]
    else:
        size = max(math.ceil(len(tracked) / 2), mode.team_size if matchmade else rng.randint(2, 4))
        home = rng.randrange(2)
        seats = [_human(tracked[0], home, rng)]
        for player_id in tracked[1:]:
            together = (bots or rng.random() < 0.7) and sum(
                s.teams[0] == home for s in seats
            ) < size
            seats.append(_human(player_id, home if together else 1 - home, rng))
        if bots:
            size = rng.randint(1, 4) if not matchmade else size
            for number in rng.sample(range(60), size):
                difficulty = rng.choice((4, 4, 4, 1, 2, 3, 5))
                seats.append(
                    Seat(f"bid({number}.0)", difficulty, [1 - home], [1.0], 0.3 + difficulty / 6)
                )
        if matchmade or not bots:
            for team in (0, 1):
                if bots and team != home:
                    continue
                missing = size - sum(s.teams[0] == team for s in seats)
                seats += [_human(next(pool), team, rng) for _ in range(missing)]
    if quits:
        leaver = seats[0]
        leaver.quit, leaver.shares = True, [rng.uniform(0.2, 0.8)]
        if matchmade:  # matchmaking fills the empty slot
            seats.append(_human(next(pool), leaver.teams[0], rng))
            seats[-1].late, seats[-1].shares = True, [1 - leaver.shares[0]]
    if switch and mode.teams_enabled and not mode.pve:
        movers = [s for s in seats[1:] if s.human and not s.late] or seats[:1]
        mover = rng.choice(movers)
        first = rng.uniform(0.2, 0.8)
        mover.teams, mover.shares = [mover.teams[0], 1 - mover.teams[0]], [first, 1 - first]
    rng.shuffle(seats)
    return seats


def _kills(rng: random.Random, mode: Mode, seat: Seat, minutes: float) -> int:
    if mode.pve:
        return max(0, round(rng.uniform(5, 9) * seat.skill * minutes))
    rate = {"elimination": 0.8, "infection": 0.6}.get(mode.key, 1.1)
    return min(30, max(0, round(rng.gauss(rate, 0.25) * seat.skill * minutes)))


@dataclass
class _Entry:
    """A seat's time on one team while the numbers are being decided."""

    seat: Seat
    team: int
    share: float
    kills: int = 0
    deaths: int | None = None
    score: int = 0


def _infection_teams(rng: random.Random, seats: list[Seat]) -> list[int]:
    """Infect players (team 1) and return the Outcome of survivors and infected."""
    survivors_won = rng.random() < 0.4
    alphas = set(rng.sample(range(len(seats)), k=min(2, len(seats))))
    for index, seat in enumerate(seats):
        infected = index in alphas or not survivors_won or rng.random() < 0.6
        seat.teams = [int(infected)]
    if survivors_won and all(s.teams[0] for s in seats):
        seats[-1].teams = [0]
    return [WIN, LOSS] if survivors_won else [LOSS, WIN]


def _team_scores(rng: random.Random, mode: Mode, entries: list[_Entry]) -> list[int]:
    """Return both teams' Score; in PvP, also give every entry its deaths."""
    team_kills = [sum(e.kills for e in entries if e.team == t) for t in (0, 1)]
    for team in (0, 1):
        mine = [e for e in entries if e.team == team]
        weights = [e.share / e.seat.skill * rng.uniform(0.7, 1.3) for e in mine]
        for entry, part in zip(mine, split(rng, team_kills[1 - team], weights), strict=True):
            entry.deaths = part  # each death is a kill of the other team
    if mode.win_score is None:  # Slayer: the score is the kills
        return team_kills
    win = mode.win_score
    loser = rng.randint(win // 3 if win > 10 else 0, win - 1)
    if rng.random() < 0.04:
        return [loser, loser]
    winner = rng.randrange(2)
    return [win if team == winner else loser for team in (0, 1)]


def decide_plays(rng: random.Random, mode: Mode, seats: list[Seat], seconds: float) -> list[int]:
    """Decide kills, deaths, scores and outcomes; fill every seat's `plays`.

    Team totals add up by construction: a team's Score is split among the
    players who played for it, and its deaths are the other team's kills.

    Args:
        rng: The match's random generator.
        mode: The game mode.
        seats: The players, from `seat_players`.
        seconds: Playable seconds of the match.

    Returns:
        The Outcome of team 0 and team 1 (Infection: of survivors and infected).

    """
    if mode.key == "infection":
        outcomes = _infection_teams(rng, seats)
    entries = [_Entry(s, team, s.shares[i]) for s in seats for i, team in enumerate(s.teams)]
    for entry in entries:
        entry.kills = _kills(rng, mode, entry.seat, seconds / 60 * entry.share)
    if mode.key == "infection":
        team_scores = [0, 0]
    elif mode.pve:
        won = rng.random() < 0.75
        outcomes = [WIN if won else LOSS, LEFT]
        team_scores = [mode.win_score if won else rng.randint(1, mode.win_score - 1), 0]
    else:
        team_scores = _team_scores(rng, mode, entries)
        a, b = team_scores
        outcomes = [TIE, TIE] if a == b else [WIN, LOSS] if a > b else [LOSS, WIN]
    for team in (0, 1):
        mine = [e for e in entries if e.team == team]
        if mode.win_score is None:
            for entry in mine:
                entry.score = entry.kills
        else:
            parts = split(rng, team_scores[team], [e.share * rng.uniform(0.2, 1.8) for e in mine])
            for entry, part in zip(mine, parts, strict=True):
                entry.score = part
    for entry in entries:
        outcome = outcomes[entry.team]
        if mode.key == "elimination":
            rounds = (team_scores[entry.team], team_scores[1 - entry.team], 0)
        else:
            rounds = (int(outcome == WIN), int(outcome == LOSS), int(outcome == TIE))
        if entry.deaths is None:
            low = rng.randint(0, 6) if mode.pve else round(rng.gauss(entry.kills * 0.8 + 2, 2))
            entry.deaths = max(0, low)
        play = Play(entry.kills, entry.deaths, entry.score, seconds * entry.share, rounds,
                    outcome == WIN)  # fmt: skip
        entry.seat.plays.append(play)
    return outcomes
