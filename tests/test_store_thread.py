"""The store thread: store calls off the event loop, in order, each a whole unit of work.

A sync uses it on PostgreSQL; on SQLite it writes on the loop (`sync._Run`).
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from grunt_archive.store import open_store
from grunt_archive.store.writer import execute, query
from grunt_archive.store_thread import StoreThread


def _insert(store, player_id: str, seen: list[str]) -> int:
    with store.unit() as connection:
        execute(connection, "INSERT INTO players (player_id, is_bot) VALUES (?, 0)", (player_id,))
    seen.append(player_id)
    return threading.get_ident()


def _count(store) -> int:
    with store.unit() as connection:
        return query(connection, "SELECT count(*) FROM players", ())[0][0]


def test_calls_run_off_the_loop_in_the_order_they_were_handed_over(engine):
    seen: list[str] = []

    async def go(store):
        writes = StoreThread()
        try:
            ids = [f"xuid({n})" for n in range(20)]
            threads = await asyncio.gather(*(writes.run(_insert, store, i, seen) for i in ids))
        finally:
            writes.close()
        return ids, set(threads)

    with open_store(engine) as store:
        ids, threads = asyncio.run(go(store))
        assert seen == ids
        assert threads and threading.get_ident() not in threads
        assert _count(store) == 20


def test_inline_runs_on_the_callers_thread(engine):
    seen: list[str] = []

    async def go(store):
        return await StoreThread(inline=True).run(_insert, store, "xuid(1)", seen)

    with open_store(engine) as store:
        assert asyncio.run(go(store)) == threading.get_ident()


def test_a_caller_cancelled_mid_call_leaves_the_unit_to_finish_and_close_waits_for_it(engine):
    started, release = threading.Event(), threading.Event()
    seen: list[str] = []

    def slow(store) -> None:
        with store.unit() as connection:
            started.set()
            release.wait(10)
            execute(connection, "INSERT INTO players (player_id, is_bot) VALUES ('xuid(7)', 0)")
        seen.append("committed")

    async def go(store):
        writes = StoreThread()
        task = asyncio.create_task(writes.run(slow, store))
        await asyncio.to_thread(started.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.set()
        writes.close()

    with open_store(engine) as store:
        asyncio.run(go(store))
        assert seen == ["committed"]
        assert _count(store) == 1


def test_a_unit_on_the_loop_waits_for_the_threads_unit_instead_of_refusing(engine):
    inside, release = threading.Event(), threading.Event()

    def held(store) -> None:
        with store.unit() as connection:
            execute(connection, "INSERT INTO players (player_id, is_bot) VALUES ('xuid(1)', 0)")
            inside.set()
            release.wait(10)

    counted: list[int] = []
    with open_store(engine) as store:
        holder = threading.Thread(target=held, args=(store,))
        holder.start()
        assert inside.wait(10)
        counter = threading.Thread(target=lambda: counted.append(_count(store)))
        counter.start()  # blocks on the store's lock while the holder's unit is open
        release.set()
        holder.join(10)
        counter.join(10)
    assert counted == [1]  # waited for the commit and saw it whole


def test_a_sync_writes_on_one_store_thread_never_on_the_loop(fresh_archive, monkeypatch):
    # A write on the loop would hold up every answer in flight, in either dialect.
    import grunt_archive.film_sync as film_sync
    import grunt_archive.sync as sync_module
    from grunt_archive.simulator import Simulator, SimulatorConfig
    from grunt_archive.store import films, lookups, matches
    from tests.helpers import sync

    loop_thread = threading.get_ident()
    threads: dict[str, set[int]] = {"match": set(), "skill": set(), "film": set()}

    def spy(name, real):
        def call(*args, **kwargs):
            threads[name].add(threading.get_ident())
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(sync_module, "save_match", spy("match", matches.save_match))
    monkeypatch.setattr(lookups, "save_match_skill", spy("skill", lookups.save_match_skill))
    monkeypatch.setattr(film_sync.stored, "save_film", spy("film", films.save_film))
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=30))
    report = sync(fresh_archive, sim, sim.player_ids[0], matches_only=True)
    assert report.matches_added == 30 and report.films["archived"] > 0
    assert all(threads.values()), threads
    used = set().union(*threads.values())
    assert len(used) == 1 and loop_thread not in used
