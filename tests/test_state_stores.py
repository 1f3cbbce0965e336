"""The state interface, store by store, against both implementations: in memory and on a real redis-server.

Each test runs once per implementation (`state` is parametrized); tests about what only a shared state does
(two processes, a lost Redis) use two `RedisState`s on the same server, as two workers would.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest

from mockserver.core.errors import MockError
from mockserver.scenarios.engine import SCENARIO_CODEC
from mockserver.scenarios.model import build_scenarios
from mockserver.state import State, base, open_state
from mockserver.state.jobs import JobTable
from mockserver.state.journal import Journal, JournalEntry
from mockserver.state.memory import ScenarioCounters, ScenarioSet, TimedCache
from mockserver.state.responses import ResponseStore, StoredResponse
from mockserver.tasks.clock import JobPlan
from mockserver.tasks.store import JOB_CODEC, Job
from redis_support import BINARY, NEEDS_REDIS, RedisServer

Body = Callable[[base.BaseState], Awaitable[None]]


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    """One redis-server for this module."""
    if BINARY is None:
        pytest.skip("redis-server is not installed (make test installs it: apt-get install redis-server)")
    server = RedisServer().start()
    yield server
    server.close()


def redis_state(server: RedisServer) -> base.BaseState:
    """A Redis-backed state as a worker builds it."""
    return open_state(server.url(), jobs=JOB_CODEC, scenarios=SCENARIO_CODEC)


@pytest.fixture(params=["memory", "redis"])
def state(request: pytest.FixtureRequest) -> Callable[[], base.BaseState]:
    """A factory of fresh, empty states of one implementation (Redis flushed for each)."""
    if request.param == "memory":
        return State
    server = request.getfixturevalue("redis_server")

    def fresh() -> base.BaseState:
        assert server.command("FLUSHALL").startswith(b"+OK")
        return redis_state(server)

    return fresh


def run(make: Callable[[], base.BaseState], body: Body) -> None:
    """Run `body` on a started state, in its own event loop, and close the state after."""
    async def main() -> None:
        current = make()
        await current.start()
        try:
            await body(current)
        finally:
            await current.close()

    asyncio.run(main())


def a_job(job_id: str = "job-1", **plan: float) -> Job:
    return Job(id=job_id, family="midjourney", kind="IMAGINE", submitted_at=1_700_000_000.25,
               plan=JobPlan(**plan) if plan else JobPlan(polls=3), params={"prompt": "a cat", "width": 1024},
               seed="5eed", base_url="http://127.0.0.1:1", notify_url="http://127.0.0.1:2/hook")


def an_entry(path: str, status: int = 200, test_id: str | None = None, misses: object = None) -> JournalEntry:
    headers = {"authorization": "Bearer sk-secret-key", **({"x-test-id": test_id} if test_id else {})}
    return JournalEntry(method="POST", path=path, query_string=b"", operation="createChatCompletion",
                        headers=headers, raw_body=b'{"model":"gpt-4o"}', form=None, status=status,
                        answered_by="chat:create", elapsed_ms=1.5, request_id="req_1", misses=misses)


# ------------------------------------------------------------------ the interface itself

PAIRS = [(base.BaseJournal, Journal, "RedisJournal"), (base.BaseResponseStore, ResponseStore, "RedisResponseStore"),
         (base.BaseJobTable, JobTable, "RedisJobTable"), (base.BaseCounters, ScenarioCounters, "RedisCounters"),
         (base.BaseTimedCache, TimedCache, "RedisTimedCache"),
         (base.BaseScenarioSet, ScenarioSet, "RedisScenarioSet")]


@pytest.mark.parametrize(("interface", "memory", "redis_name"), PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_both_implementations_have_every_method_of_the_interface_with_its_signature(interface, memory, redis_name):
    from mockserver.state import redis_jobs, redis_journal, redis_scenarios, redis_stores
    modules = (redis_jobs, redis_journal, redis_scenarios, redis_stores)
    redis_class = next(getattr(m, redis_name) for m in modules if hasattr(m, redis_name))
    for implementation in (memory, redis_class):
        assert issubclass(implementation, interface) and not inspect.isabstract(implementation), implementation
        for name in interface.__abstractmethods__:
            ours = inspect.unwrap(getattr(implementation, name))
            assert shape(ours) == shape(getattr(interface, name)), (implementation, name)
            assert inspect.iscoroutinefunction(ours) == inspect.iscoroutinefunction(getattr(interface, name))


def shape(function: Callable) -> list[tuple]:
    """A signature as names, kinds, defaults and annotations (quoted or not)."""
    signature = inspect.signature(function)
    plain = lambda a: str(a).replace("'", "").replace('"', "")  # noqa: E731
    return [(p.name, p.kind, p.default, plain(p.annotation)) for p in signature.parameters.values()] + [
        plain(signature.return_annotation)]


# ------------------------------------------------------------------ stored responses

def test_responses_are_stored_read_and_deleted(state):
    async def body(st: base.BaseState) -> None:
        entry = StoredResponse(response={"id": "resp_1", "status": "completed", "output": [{"type": "message"}]},
                               input_items=[{"id": "msg_1", "type": "message", "role": "user"}],
                               context=[{"role": "user", "content": "hi"}], final=None, extra={"k": 1})
        await st.responses.put(entry)
        assert await st.responses.get("resp_1") == entry
        entry.response["status"] = "cancelled"
        await st.responses.put(entry)
        assert (await st.responses.get("resp_1")).response["status"] == "cancelled"
        assert await st.responses.delete("resp_1") is True
        assert await st.responses.delete("resp_1") is False
        assert await st.responses.get("resp_1") is None

    run(state, body)


# ------------------------------------------------------------------ jobs

def test_a_job_round_trips_and_its_polls_stop_at_the_limit(state):
    async def body(st: base.BaseState) -> None:
        await st.jobs.put(a_job())
        job = await st.jobs.get("job-1")
        assert job.plan == JobPlan(polls=3) and job.params == {"prompt": "a cat", "width": 1024}
        assert job.submitted_at == 1_700_000_000.25 and job.polls == 0 and job.started_at is None
        assert [await st.jobs.poll(job, 3) for _ in range(5)] == [1, 2, 3, 3, 3]
        assert (await st.jobs.get("job-1")).polls == 3
        assert await st.jobs.get("job-2") is None

    run(state, body)


def test_first_seen_times_keep_the_first_and_save_keeps_the_counters(state):
    async def body(st: base.BaseState) -> None:
        await st.jobs.put(a_job())
        job = await st.jobs.get("job-1")
        await st.jobs.poll(job, 3)
        assert await st.jobs.first(job, "started_at", 10.5) == 10.5
        assert await st.jobs.first(job, "started_at", 99.0) == 10.5 and job.started_at == 10.5
        job.extra["modal"] = True
        job.params["prompt"] = "a dog"
        await st.jobs.save(job)
        again = await st.jobs.get("job-1")
        assert again.extra["modal"] is True and again.params["prompt"] == "a dog"
        assert again.polls == 1 and again.started_at == 10.5
        with pytest.raises(ValueError):
            await st.jobs.first(job, "polls", 1.0)

    run(state, body)


def test_a_phase_is_announced_once_and_an_unchanged_body_not_again(state):
    async def body(st: base.BaseState) -> None:
        await st.jobs.put(a_job())
        job = await st.jobs.get("job-1")
        assert await st.jobs.claim(job, "running", {"status": "IN_PROGRESS"}) is True
        assert await st.jobs.claim(job, "running", {"status": "IN_PROGRESS"}) is False
        assert await st.jobs.claim(job, "queued", {"status": "IN_PROGRESS"}) is False  # same family status
        assert await st.jobs.claim(job, "succeeded", {"status": "SUCCESS"}) is True
        assert (await st.jobs.get("job-1")).notified == "succeeded"

    run(state, body)


def test_aliases_counters_and_deletion(state):
    async def body(st: base.BaseState) -> None:
        await st.jobs.put(a_job())
        await st.jobs.alias("file:1", "job-1")
        assert await st.jobs.resolve("file:1") == "job-1" and await st.jobs.resolve("file:2") is None
        assert [await st.jobs.count("a") for _ in range(3)] == [0, 1, 2]
        assert await st.jobs.count("b") == 0
        await st.jobs.delete("job-1")
        assert await st.jobs.get("job-1") is None

    run(state, body)


def test_a_restart_puts_the_job_whole(state):
    async def body(st: base.BaseState) -> None:
        await st.jobs.put(a_job())
        job = await st.jobs.get("job-1")
        await st.jobs.poll(job, 3)
        await st.jobs.first(job, "finished_at", 12.0)
        job.polls, job.finished_at, job.plan = 0, None, JobPlan(duration_ms=0)
        await st.jobs.put(job)
        again = await st.jobs.get("job-1")
        assert again.polls == 0 and again.finished_at is None and again.plan == JobPlan(duration_ms=0)

    run(state, body)


# ------------------------------------------------------------------ scenario counters

def test_positions_advance_and_reset_per_scenario_and_key(state):
    async def body(st: base.BaseState) -> None:
        c = st.counters
        assert [await c.advance("seq", "t1") for _ in range(3)] == [0, 1, 2]
        assert await c.peek("seq", "t1") == 3 and await c.peek("seq", "t2") == 0
        await c.advance("a", "b:c")
        await c.advance("a:b", "c")
        await c.advance("a:b", "c")
        await c.set("seq", "t2", 7)
        assert await c.snapshot() == {"seq": {"t1": 3, "t2": 7}, "a": {"b:c": 1}, "a:b": {"c": 2}}
        await c.reset("seq", "t1")
        assert await c.snapshot() == {"seq": {"t2": 7}, "a": {"b:c": 1}, "a:b": {"c": 2}}
        await c.reset("a")  # not "a:b", whose name starts the same way
        assert await c.snapshot() == {"seq": {"t2": 7}, "a:b": {"c": 2}}
        await c.reset()
        assert await c.snapshot() == {}

    run(state, body)


def test_draws_are_reproducible_per_seed_scenario_and_key(state):
    draws: list[list[float]] = []

    async def body(st: base.BaseState) -> None:
        draws.append([await st.counters.chance("chaos", "k", 7) for _ in range(4)])
        draws.append([await st.counters.chance("chaos", "other", 7) for _ in range(2)])

    run(state, body)
    run(state, body)
    assert draws[0] == draws[2] and draws[1] == draws[3] and len(set(draws[0])) == 4
    assert draws[1] != draws[0][:2] and all(0 <= d < 1 for d in draws[0])


def test_a_rate_window_counts_requests_and_tokens(state):
    async def body(st: base.BaseState) -> None:
        c = st.counters
        results = [await c.take("limit#rate", "key", 10, 3, None) for _ in range(4)]
        assert [allowed for allowed, _ in results] == [True, True, True, False]
        assert [info["requests_left"] for _, info in results] == [2, 1, 0, 0]
        info = results[-1][1]
        assert info["over"] == "requests" and 0 < info["reset_s"] <= 60 and info["tokens_left"] is None
        allowed, info = await c.take("tokens#rate", "key", 60, None, 100)
        assert allowed and info["tokens_left"] == 40
        allowed, info = await c.take("tokens#rate", "key", 50, None, 100)
        assert not allowed and info["over"] == "tokens" and info["tokens_left"] == 40
        await c.reset()
        assert (await c.take("limit#rate", "key", 10, 3, None))[0]

    run(state, body)


# ------------------------------------------------------------------ timed caches

def test_timed_caches_keep_values_until_they_expire(state):
    async def body(st: base.BaseState) -> None:
        await st.spoken.put("digest", "hello there", 60)
        await st.prompt_cache.put("anthropic:abc", True, 0.05)
        assert await st.spoken.get("digest") == "hello there"
        assert await st.prompt_cache.get("missing") is None
        deadline = time.monotonic() + 10
        while await st.prompt_cache.get("anthropic:abc") is not None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert await st.prompt_cache.get("anthropic:abc") is None

    run(state, body)


# ------------------------------------------------------------------ the journal

def test_the_journal_numbers_filters_redacts_and_clears(state):
    async def body(st: base.BaseState) -> None:
        j = st.journal
        j.record(an_entry("/v1/chat/completions", test_id="t1"))
        j.record(an_entry("/v1/embeddings", status=400, test_id="t2"))
        j.record(an_entry("/v1/chat/completions", misses=lambda: [{"scenario": "math", "failed": ["no"]}]))
        found = await j.query()
        assert [e["path"] for e in found] == ["/v1/chat/completions", "/v1/embeddings", "/v1/chat/completions"]
        assert found[0]["id"] < found[1]["id"] < found[2]["id"]
        assert found[0]["headers"]["authorization"] == "Bearer sk-…" and found[0]["body"] == {"model": "gpt-4o"}
        assert found[2]["nearest_scenarios"] == [{"scenario": "math", "failed": ["no"]}]
        assert [e["test_id"] for e in await j.query(test_id="t2")] == ["t2"]
        assert [e["status"] for e in await j.query(status=400)] == [400]
        assert len(await j.query(path="/v1/chat/*")) == 2 and len(await j.query(limit=1)) == 1
        await j.clear()
        assert await j.query() == []

    run(state, body)


@NEEDS_REDIS
def test_secrets_are_redacted_before_an_entry_leaves_the_process(redis_server):
    async def main() -> None:
        st = redis_state(redis_server)
        entry = an_entry("/v1beta/models/gemini-2.0-flash:generateContent")
        entry.query_string = b"key=AIza-secret-value&alt=sse"
        entry.raw_body = b"\xff\xfe not utf-8"
        st.journal.record(entry)
        [shown] = await st.journal.query()
        assert shown["query"] == {"key": "AIz…", "alt": "sse"} and shown["body"] == "\ufffd\ufffd not utf-8"
        stored = b"".join(await st.conn.client.lrange(st.journal.key, 0, -1))
        assert b"AIza-secret-value" not in stored and b"sk-secret-key" not in stored
        await st.close()

    redis_server.command("FLUSHALL")
    asyncio.run(main())


def test_the_journal_keeps_the_newest_entries(state):
    async def body(st: base.BaseState) -> None:
        journal = type(st.journal)(st.conn, st.channels, limit=5) if st.shared else Journal(limit=5)
        for i in range(12):
            journal.record(an_entry(f"/p{i}"))
        assert [e["path"] for e in await journal.query()] == [f"/p{i}" for i in range(7, 12)]

    run(state, body)


def test_listeners_hear_each_entry_with_its_number(state):
    heard: list[int] = []

    async def body(st: base.BaseState) -> None:
        st.journal.listeners.append(lambda entry: heard.append(entry.id))
        st.journal.record(an_entry("/a"))
        st.journal.record(an_entry("/b"))
        await st.journal.query()

    run(state, body)
    assert len(heard) == 2 and 0 < heard[0] < heard[1]


# ------------------------------------------------------------------ scenario changes

SCENARIOS = """
scenarios:
  - name: first
    match: {operation: createChatCompletion}
    reply: {text: one}
  - name: second
    match: {operation: createEmbedding}
    fault: {status: 503}
"""


def scenarios() -> list:
    import yaml
    found, errors = build_scenarios(yaml.safe_load(SCENARIOS), "test")
    assert not errors
    return found


def test_scenario_changes_are_kept_in_order(state):
    async def body(st: base.BaseState) -> None:
        changes = st.scenario_set
        first, second = scenarios()
        await changes.add([first, second])
        await changes.remove("gone-file-scenario")
        loaded = await changes.load()
        assert [s.name for s in loaded.added] == ["first", "second"] and loaded.removed == {"gone-file-scenario"}
        assert loaded.added[1].steps[0].fault.status == 503
        await changes.add([first])  # replaced: now the newest
        await changes.remove("second")
        loaded = await changes.load()
        assert [s.name for s in loaded.added] == ["first"] and loaded.removed == {"gone-file-scenario", "second"}
        await changes.reset()
        loaded = await changes.load()
        assert loaded.added == [] and loaded.removed == set()

    run(state, body)


# ------------------------------------------------------------------ shared only: two processes, a lost Redis

@NEEDS_REDIS
def test_two_workers_poll_one_job_and_it_moves_one_step_per_poll(redis_server):
    async def main() -> None:
        workers = [redis_state(redis_server), redis_state(redis_server)]
        await workers[0].jobs.put(a_job(polls=30))
        copies = [await w.jobs.get("job-1") for w in workers for _ in range(10)]
        polls = await asyncio.gather(*(workers[i % 2].jobs.poll(copies[i % 20], 30) for i in range(50)))
        assert sorted(polls) == list(range(1, 31)) + [30] * 20  # each poll counted once, none past the end
        assert (await workers[1].jobs.get("job-1")).polls == 30
        for w in workers:
            await w.close()

    redis_server.command("FLUSHALL")
    asyncio.run(main())


@NEEDS_REDIS
def test_a_rate_limit_is_one_limit_for_every_worker(redis_server):
    async def main() -> None:
        workers = [redis_state(redis_server) for _ in range(3)]
        results = await asyncio.gather(*(workers[i % 3].counters.take("s#rate", "k", 1, 10, None)
                                         for i in range(40)))
        assert sum(allowed for allowed, _ in results) == 10
        for w in workers:
            await w.close()

    redis_server.command("FLUSHALL")
    asyncio.run(main())


@NEEDS_REDIS
def test_a_scenario_change_returns_once_every_other_worker_applied_it(redis_server):
    async def main() -> None:
        one, two = redis_state(redis_server), redis_state(redis_server)
        applied: list[bool] = []

        async def on_change(files: bool) -> None:
            applied.append(files)
            await asyncio.sleep(0.05)  # a slow worker: the change must still wait for it

        two.scenario_set.watch(on_change)
        await one.start()
        await two.start()
        applied.clear()  # the first sync on subscribing
        await one.scenario_set.add(scenarios())
        assert applied == [False]
        await one.scenario_set.reset()
        assert applied == [False, True]  # a reset reloads the files everywhere
        for w in (one, two):
            await w.close()

    redis_server.command("FLUSHALL")
    asyncio.run(main())


@NEEDS_REDIS
def test_near_misses_are_explained_by_the_worker_that_answered_when_another_reads_them(redis_server):
    async def main() -> None:
        one, two = redis_state(redis_server), redis_state(redis_server)
        await one.start()
        await two.start()
        calls: list[str] = []
        nearest = [{"scenario": "math", "passed": [], "failed": ["body response_format missing"]}]

        def explain() -> list[dict]:
            calls.append("explained")
            return nearest

        one.journal.record(an_entry("/explained", misses=explain))
        await one.journal.flush()
        assert calls == []  # nothing is explained until someone reads it
        [shown] = await two.journal.query()
        assert shown["nearest_scenarios"] == nearest and calls == ["explained"]
        assert (await one.journal.query())[0]["nearest_scenarios"] == nearest and calls == ["explained"]  # kept
        one.journal.record(an_entry("/unexplained", misses=explain))
        await one.journal.flush()
        await one.close()  # the worker that could explain it is gone: the entry is still listed
        entries = await two.journal.query()
        assert [e["path"] for e in entries] == ["/explained", "/unexplained"]
        assert "nearest_scenarios" not in entries[1]
        await two.close()

    redis_server.command("FLUSHALL")
    asyncio.run(main())


@NEEDS_REDIS
def test_a_lost_redis_is_a_503_then_everything_carries_on():
    server = RedisServer()  # its port is chosen, nothing listens there yet

    async def main() -> None:
        st = redis_state(server)
        await st.start()
        for call in (st.responses.get("resp_1"), st.jobs.get("job-1"), st.counters.advance("s", "k"),
                     st.journal.query()):
            with pytest.raises(MockError) as caught:
                await call
            assert caught.value.status == 503 and caught.value.code == "state_unavailable"
            assert server.url() in caught.value.message and caught.value.headers == {"retry-after": "1"}
        st.journal.record(an_entry("/while-away"))  # never raises: it waits for Redis
        server.start()
        assert await st.counters.advance("s", "k") == 0
        assert [e["path"] for e in await st.journal.query()] == ["/while-away"]
        await st.close()

    try:
        asyncio.run(main())
    finally:
        server.close()
