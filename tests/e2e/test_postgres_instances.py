"""Several payment-rpc instances on one PostgreSQL ledger (issue 11): they pay from it exactly once.

- Three paying instances (one hot wallet, one devnet) take 1,000 payouts round-robin while one of them is killed
  with SIGKILL every few seconds and restarted, and once one is stopped (SIGSTOP) for twice its lease; at the end
  every payout is CONFIRMED and the devnet holds exactly one USDT transfer per payout, balances to the unit.
- The same idempotency key sent to two instances at once yields one payout: one answer new, the other a replay.
- The hourly limit holds across instances: 200 concurrent creates against 50 payouts' worth accept exactly 50.
- A breaker tripped on one instance stops creates and signing on the other within a poll interval; a reset on the
  other lets the first pay again.
- `payctl ledger copy` moves a SQLite ledger into PostgreSQL with every answer unchanged, and refuses a non-empty
  target.

A throwaway cluster (support/postgres.py) serves the module, one database per test. Outcomes are printed (-s).
"""
import collections
import random
import re
import threading
import time
import urllib.request

import grpc
import pytest

from lucid.payment.v1 import admin_pb2, payment_pb2 as pb, payment_pb2_grpc
from support.devnet import Devnet
from support.paying import hot_address, paying_env
from support.payment_rpc import PaymentRPCProcess
from support.payouts import FINAL, list_all, recipients
from support.postgres import PostgresCluster
from support.shared_ledger import (first_answer, ledger_copy, ledger_env, migrate, start_instances, status_counts,
                                   stop_all)

LEASE_SECONDS = 4
POLL_MS = 200
# A processor round under a failing node retries its lookups (4 attempts, jittered backoff up to 700 ms) before
# the next round refreshes the shared breaker; the margin covers that and a loaded machine.
BREAKER_MARGIN_S = 2.5
TRX_SUN = 10**12          # 1,000,000 TRX for fees
USDT_UNITS = 10**13       # 10,000,000 USDT

RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED,
             grpc.StatusCode.ABORTED, grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL}
CONFIRMED = pb.PAYOUT_STATUS_CONFIRMED


def say(text):
    print(f"[pg-instances] {text}", flush=True)


@pytest.fixture(scope="module")
def cluster():
    with PostgresCluster(database="lucid_e2e") as started:
        say(f"PostgreSQL cluster up in {started.started_seconds:.1f} s at {started.url}")
        yield started


@pytest.fixture
def database(cluster, request):
    """A fresh database for this test; its URL."""
    name = re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())[:50]
    return cluster.create_database(name)


def funded_devnet(directory):
    return Devnet(directory, fund=[(hot_address(), TRX_SUN, USDT_UNITS)], block_interval_ms=300).start()


def paying(devnet, directory, **extra):
    return {**paying_env(devnet, directory), "PAYMENT_RPC_PROCESSOR_POLL_INTERVAL_MS": str(POLL_MS),
            **{f"PAYMENT_RPC_{key.upper()}": str(value) for key, value in extra.items()}}


def request(key, recipient, amount, reason="pg e2e", priority=pb.PRIORITY_UNSPECIFIED):
    return pb.CreatePayoutRequest(idempotency_key=key, recipient_address=recipient, amount_units=amount,
                                  reason=reason, priority=priority)


def pb_stub(channel):
    return payment_pb2_grpc.PaymentServiceStub(channel)


def name(status):
    return pb.PayoutStatus.Name(status).replace("PAYOUT_STATUS_", "")


def chain_check(devnet, payouts, expected_by_recipient, hot_before, recipients_before):
    """Exactly one USDT transfer per payout, matching it; recipients and hot wallet moved by exactly the amounts."""
    hot = hot_address()
    transfers = [t for t in devnet.transfers() if t["from"] == hot]
    per_txid = collections.Counter(t["txid"] for t in transfers)
    twice = [txid for txid, count in per_txid.items() if count > 1]
    assert not twice, f"transactions on chain more than once: {twice[:5]}"
    by_txid = {t["txid"]: t for t in transfers}
    txids = [p.txid for p in payouts]
    assert len(set(txids)) == len(txids), "two payouts share a txid"
    missing = [p.payout_id for p in payouts if p.txid not in by_txid]
    assert not missing, f"payouts whose txid is not on chain: {missing[:5]}"
    extra = sorted(set(by_txid) - set(txids))
    assert not extra, f"{len(extra)} transfers from the hot wallet that no payout records: {extra[:5]}"
    assert len(transfers) == len(payouts)
    for payout in payouts:
        transfer = by_txid[payout.txid]
        assert (transfer["to"], transfer["amount_units"]) == (payout.recipient_address, payout.amount_units), payout
    for recipient, amount in expected_by_recipient.items():
        moved = devnet.balance(recipient)["usdt_units"] - recipients_before[recipient]
        assert moved == amount, f"{recipient} received {moved}, expected {amount}"
    spent = hot_before - devnet.balance(hot)["usdt_units"]
    assert spent == sum(expected_by_recipient.values()), f"hot wallet paid {spent}"
    return len(transfers)


# --- (a) exactly once across instances, kills and a pause -------------------------------------------------------

PAYOUTS = 1000
CREATORS = 6
MAX_KILLS = 20
PAUSE_AT_EVENT = 3


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.retries = collections.Counter()
        self.replays = 0
        self.created = {}  # index → payout id
        self.errors = []

    def retry(self, code):
        with self.lock:
            self.retries[code.name] += 1


def create_with_retries(instances, first, req, tally, deadline):
    attempt = 0
    while time.monotonic() < deadline:
        instance = instances[(first + attempt) % len(instances)]
        attempt += 1
        try:
            return instance.payments.CreatePayout(req, timeout=5)
        except grpc.RpcError as error:
            if error.code() not in RETRYABLE:
                raise
            tally.retry(error.code())
            time.sleep(0.1)
    raise AssertionError(f"{req.idempotency_key} not created before the deadline")



def run_together(target, count, timeout):
    """Runs target(0) … target(count - 1) on threads started together; waits for them; returns the seconds taken."""
    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return time.monotonic() - began

def test_three_instances_pay_1000_payouts_exactly_once_through_kills_and_a_pause(tmp_path, database):
    devnet = funded_devnet(tmp_path)
    instances = []
    try:
        instances = start_instances(tmp_path, database, 3, env=paying(devnet, tmp_path),
                                    lease_seconds=LEASE_SECONDS)
        rng = random.Random(20261202)
        addresses = recipients("pg-instances", "a", 12)
        plan = [request(f"pg-a-{n}", rng.choice(addresses), rng.randint(1, 5_000_000), reason="pg instances")
                for n in range(PAYOUTS)]
        recipients_before = {a: devnet.balance(a)["usdt_units"] for a in addresses}
        hot_before = devnet.balance(hot_address())["usdt_units"]
        tally = Tally()
        started = time.monotonic()
        deadline = started + 600
        stop_chaos = threading.Event()
        events = []  # (seconds since start, what)

        def creator(indices):
            try:
                for n in indices:
                    reply = create_with_retries(instances, n % 3, plan[n], tally, deadline)
                    payout = reply.payout
                    assert (payout.idempotency_key, payout.recipient_address, payout.amount_units) == (
                        plan[n].idempotency_key, plan[n].recipient_address, plan[n].amount_units), payout
                    with tally.lock:
                        tally.created[n] = payout.payout_id
                        tally.replays += reply.replayed
            except BaseException as error:  # reported by the main thread
                tally.errors.append(f"creator: {error!r}")

        chaos_rng = random.Random(7)

        def chaos():
            event = 0
            try:
                while not stop_chaos.wait(chaos_rng.uniform(2.0, 4.0)):
                    victim = chaos_rng.choice(instances)
                    event += 1
                    at = time.monotonic() - started
                    if event == PAUSE_AT_EVENT:
                        victim.pause()
                        events.append((at, f"SIGSTOP {victim.name} for {2 * LEASE_SECONDS + 1} s"))
                        time.sleep(2 * LEASE_SECONDS + 1)
                        victim.resume()
                        events.append((time.monotonic() - started, f"SIGCONT {victim.name}"))
                        time.sleep(1)
                        if not victim.alive():
                            events.append((time.monotonic() - started, f"{victim.name} died after SIGCONT"))
                            victim.start()
                    else:
                        victim.kill9()
                        victim.start()
                        events.append((at, f"kill -9 {victim.name}, restarted in "
                                           f"{time.monotonic() - started - at:.1f} s"))
                    if sum(i.kills for i in instances) >= MAX_KILLS:
                        return
            except BaseException as error:
                tally.errors.append(f"chaos: {error!r}")

        creators = [threading.Thread(target=creator, args=(range(k, PAYOUTS, CREATORS),), daemon=True)
                    for k in range(CREATORS)]
        chaos_thread = threading.Thread(target=chaos, daemon=True)
        for thread in creators + [chaos_thread]:
            thread.start()

        created_seconds = None
        counts = {}
        last_print = 0
        while time.monotonic() < deadline and not tally.errors:
            time.sleep(1)
            if created_seconds is None and not any(t.is_alive() for t in creators):
                created_seconds = time.monotonic() - started
                say(f"(a) all {len(tally.created)} payouts accepted after {created_seconds:.1f} s")
            try:
                counts = first_answer(instances, lambda i: status_counts(i.payments, timeout=3), attempts=1)
            except AssertionError:
                continue
            final = sum(counts[s] for s in ("CONFIRMED", "FAILED", "CANCELLED"))
            if created_seconds is not None and final >= 0.9 * PAYOUTS:
                stop_chaos.set()
            if time.monotonic() - last_print >= 10:
                last_print = time.monotonic()
                say(f"(a) t={last_print - started:5.0f}s accepted={len(tally.created)} "
                    f"{' '.join(f'{k.lower()}={v}' for k, v in counts.items() if v)} "
                    f"kills={sum(i.kills for i in instances)}")
            if created_seconds is not None and counts.get("CONFIRMED", 0) + counts.get("FAILED", 0) >= PAYOUTS \
                    and not chaos_thread.is_alive():
                break
        stop_chaos.set()
        chaos_thread.join(60)
        paid_seconds = time.monotonic() - started
        for at, what in events:
            say(f"(a)   {at:6.1f}s {what}")
        assert not tally.errors, tally.errors
        assert any("SIGSTOP" in what for _, what in events), "the run ended before the pause"
        assert len(tally.created) == PAYOUTS, f"only {len(tally.created)} payouts accepted"
        ids = set(tally.created.values())
        assert len(ids) == PAYOUTS, "two idempotency keys gave one payout id"

        for instance in instances:
            if not instance.alive():
                instance.start()
        listings = {instance.name: list_all(instance.payments) for instance in instances}
        payouts = listings[instances[0].name]
        for instance_name, listing in listings.items():
            assert {(p.payout_id, p.status, p.txid) for p in listing} == {(p.payout_id, p.status, p.txid)
                                                                          for p in payouts}, instance_name
        assert {p.payout_id for p in payouts} == ids
        not_confirmed = [(p.payout_id, name(p.status), p.failure_reason) for p in payouts if p.status != CONFIRMED]
        assert not not_confirmed, f"{len(not_confirmed)} not CONFIRMED after {paid_seconds:.0f} s: {not_confirmed[:10]}"

        time.sleep(2)  # anything a fenced-off instance might still send would land within a few blocks
        expected = collections.Counter()
        for req in plan:
            expected[req.recipient_address] += req.amount_units
        transfers = chain_check(devnet, payouts, {a: expected[a] for a in addresses}, hot_before, recipients_before)
        lease_lines = sum(len(re.findall(r"(?i)lease", instance.log())) for instance in instances)
        kills = sum(i.kills for i in instances)
        say(f"(a) OUTCOME: {PAYOUTS} payouts on 3 instances (lease {LEASE_SECONDS} s, poll {POLL_MS} ms): "
            f"accepted in {created_seconds:.1f} s, all CONFIRMED {paid_seconds:.1f} s after the first create; "
            f"{kills} kill -9 + 1 SIGSTOP of {2 * LEASE_SECONDS + 1} s; creates retried on another instance: "
            f"{dict(tally.retries)}, answered as replays: {tally.replays}; devnet: {transfers} USDT transfers from the "
            f"hot wallet, {len({p.txid for p in payouts})} distinct txids, {sum(expected.values())} units to "
            f"{len(addresses)} recipients exact to the unit; log lines naming a lease: {lease_lines}")
    finally:
        stop_all(instances)
        devnet.stop()


# --- (b) one idempotency key, two instances, at once ---------------------------------------------------------------

RACE_KEYS = 150


def test_same_idempotency_key_on_two_instances_at_once_gives_one_payout(tmp_path, database):
    instances = start_instances(tmp_path, database, 2)
    try:
        recipient = recipients("pg-instances", "b", 1)[0]
        barriers = [threading.Barrier(2) for _ in range(RACE_KEYS)]
        answers = [{}, {}]

        def side(index):
            stub = instances[index].payments
            for k in range(RACE_KEYS):
                barriers[k].wait(timeout=60)
                try:
                    answers[index][k] = stub.CreatePayout(request(f"pg-b-{k}", recipient, 1_000 + k), timeout=20)
                except grpc.RpcError as error:
                    answers[index][k] = error

        took = run_together(side, 2, timeout=300)
        problems, first_wins = [], collections.Counter()
        for k in range(RACE_KEYS):
            a, b = answers[0].get(k), answers[1].get(k)
            if not isinstance(a, pb.CreatePayoutResponse) or not isinstance(b, pb.CreatePayoutResponse):
                problems.append((k, "error", str(a)[:200], str(b)[:200]))
                continue
            if a.payout.payout_id != b.payout.payout_id:
                problems.append((k, "two ids", a.payout.payout_id, b.payout.payout_id))
            elif sorted([a.replayed, b.replayed]) != [False, True]:
                problems.append((k, "replayed", a.replayed, b.replayed))
            elif a.payout != b.payout:
                problems.append((k, "different payouts", a.payout, b.payout))
            else:
                first_wins[instances[0].name if not a.replayed else instances[1].name] += 1
        assert not problems, f"{len(problems)} of {RACE_KEYS} keys: {problems[:5]}"
        for instance in instances:
            assert len(list_all(instance.payments)) == RACE_KEYS
        with pytest.raises(grpc.RpcError) as reused:
            instances[1].payments.CreatePayout(request("pg-b-0", recipient, 999_999), timeout=10)
        assert reused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        say(f"(b) OUTCOME: {RACE_KEYS} keys each sent to 2 instances at once in {took:.1f} s: {RACE_KEYS} payouts, "
            f"each key one new answer and one replay with the same id (new answers by instance: {dict(first_wins)}); "
            f"the key with another request on the other instance: FAILED_PRECONDITION")
    finally:
        stop_all(instances)


# --- (c) acceptance limits across instances ------------------------------------------------------------------------

LIMIT_AMOUNT = 1_000_000
LIMIT_FITS = 50
LIMIT_CALLERS = 200


def wait_clear_of_hour_end(seconds=60):
    """Limits count per UTC hour: do not start a limit test in the last minute of one."""
    left = 3600 - time.time() % 3600
    if left < seconds:
        time.sleep(left + 1)


def test_hourly_limit_holds_across_instances_under_concurrency(tmp_path, database):
    limit = LIMIT_FITS * LIMIT_AMOUNT
    env = {"PAYMENT_RPC_LIMITS_HOURLY_UNITS": str(limit), "PAYMENT_RPC_LIMITS_DAILY_UNITS": str(2 * limit),
           "PAYMENT_RPC_LIMITS_V0_MAX_UNITS": str(LIMIT_AMOUNT), "PAYMENT_RPC_LIMITS_KYC_MAX_UNITS": str(LIMIT_AMOUNT),
           "PAYMENT_RPC_LIMITS_DIRECT_MAX_UNITS": str(LIMIT_AMOUNT)}
    instances = start_instances(tmp_path, database, 3, env=env)
    try:
        wait_clear_of_hour_end()
        addresses = recipients("pg-instances", "c", 4)
        barrier = threading.Barrier(LIMIT_CALLERS)
        outcomes = [None] * LIMIT_CALLERS

        def caller(n):
            stub = instances[n % 3].payments
            barrier.wait(timeout=60)
            try:
                outcomes[n] = stub.CreatePayout(request(f"pg-c-{n}", addresses[n % 4], LIMIT_AMOUNT), timeout=30)
            except grpc.RpcError as error:
                outcomes[n] = error

        took = run_together(caller, LIMIT_CALLERS, timeout=120)
        kinds = ["accepted" if isinstance(o, pb.CreatePayoutResponse) else
                 "exhausted" if isinstance(o, grpc.RpcError) and o.code() == grpc.StatusCode.RESOURCE_EXHAUSTED else
                 "other" for o in outcomes]
        accepted = [o for o, kind in zip(outcomes, kinds) if kind == "accepted"]
        exhausted = [o for o, kind in zip(outcomes, kinds) if kind == "exhausted"]
        other = [o for o, kind in zip(outcomes, kinds) if kind == "other"]
        per_instance = collections.Counter(instances[n % 3].name for n, kind in enumerate(kinds) if kind == "accepted")
        assert not other, f"{len(other)} other answers: {[str(o)[:300] for o in other[:5]]}"
        assert len(accepted) == LIMIT_FITS, f"{len(accepted)} accepted, {len(exhausted)} refused"
        assert len(exhausted) == LIMIT_CALLERS - LIMIT_FITS
        assert all("hourly" in o.details() for o in exhausted), exhausted[0].details()
        assert not any(o.replayed for o in accepted)
        for instance in instances:
            listed = list_all(instance.payments)
            assert {p.payout_id for p in listed} == {o.payout.payout_id for o in accepted}, instance.name
            stats = instance.payments.GetStats(pb.GetStatsRequest(), timeout=10)
            assert stats.hourly_usage_units == limit and stats.hourly_limit_units == limit, (instance.name, stats)
            assert stats.daily_usage_units == limit, (instance.name, stats)
            assert sum(c.count for c in stats.counts) == LIMIT_FITS, (instance.name, stats)
            with pytest.raises(grpc.RpcError) as more:
                instance.payments.CreatePayout(request(f"pg-c-more-{instance.name}", addresses[0], 1), timeout=10)
            assert more.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        # Cancelling on one instance gives the amount back to every instance's next create.
        instances[0].payments.CancelPayout(pb.CancelPayoutRequest(payout_id=accepted[0].payout.payout_id,
                                                                  reason="pg e2e"), timeout=10)
        instances[1].payments.CreatePayout(request("pg-c-after-cancel", addresses[0], LIMIT_AMOUNT), timeout=10)
        with pytest.raises(grpc.RpcError) as full:
            instances[2].payments.CreatePayout(request("pg-c-full-again", addresses[0], LIMIT_AMOUNT), timeout=10)
        assert full.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        say(f"(c) OUTCOME: {LIMIT_CALLERS} concurrent creates over 3 instances against an hourly limit of "
            f"{LIMIT_FITS} payouts in {took:.1f} s: {len(accepted)} accepted (by instance {dict(per_instance)}), "
            f"{len(exhausted)} RESOURCE_EXHAUSTED naming the hourly limit; ListPayouts and GetStats of every instance "
            f"agree ({LIMIT_FITS} payouts, usage {limit}); a cancel on one frees room for exactly one more on another")
    finally:
        stop_all(instances)


# --- (d) the breaker is shared -------------------------------------------------------------------------------------


def signed_total(instance):
    with urllib.request.urlopen(f"http://127.0.0.1:{instance.process.admin_port}/metrics", timeout=5) as response:
        text = response.read().decode()
    found = re.search(r"^tron_payout_signed_total(?:\{[^}]*\})? (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def broadcast_total(devnet):
    broadcasts = devnet.call("admin/stats", {}).get("broadcasts", {})
    return sum(broadcasts.values()) if isinstance(broadcasts, dict) else len(broadcasts)


def test_breaker_trip_on_one_instance_stops_the_other_and_a_reset_there_resumes_both(tmp_path, database):
    devnet = funded_devnet(tmp_path)
    instances = []
    poll = POLL_MS / 1000
    try:
        instances = a, b = start_instances(tmp_path, database, 2, env=paying(devnet, tmp_path),
                                           lease_seconds=LEASE_SECONDS)
        recipient = recipients("pg-instances", "d", 1)[0]
        before = devnet.balance(recipient)["usdt_units"]
        hot_before = devnet.balance(hot_address())["usdt_units"]
        # With the node failing, nothing can be signed: a payout created now on B stays PENDING until the trip.
        devnet.faults(http_error_rate=1.0)
        held = [b.payments.CreatePayout(request("pg-d-held", recipient, 1_111), timeout=10).payout.payout_id]
        time.sleep(2 * poll)
        assert b.payments.GetPayout(pb.GetPayoutRequest(payout_id=held[0])).status == pb.PAYOUT_STATUS_PENDING

        tripped = time.monotonic()
        a.admin.TripBreaker(admin_pb2.TripBreakerRequest(reason="pg e2e: tripped on A"), timeout=10)
        with pytest.raises(grpc.RpcError) as on_a:
            a.payments.CreatePayout(request("pg-d-a-after-trip", recipient, 1), timeout=10)
        assert on_a.value.code() == grpc.StatusCode.UNAVAILABLE
        probes = 0
        while True:
            probes += 1
            try:
                reply = b.payments.CreatePayout(request(f"pg-d-probe-{probes}", recipient, 1_000 + probes), timeout=10)
                held.append(reply.payout.payout_id)  # accepted before B saw the trip: must not be signed either
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.UNAVAILABLE, error
                break
            assert time.monotonic() - tripped < 20, "B still accepts payouts 20 s after the trip on A"
            time.sleep(0.02)
        propagation = time.monotonic() - tripped
        assert propagation <= poll + BREAKER_MARGIN_S, f"B refused only {propagation:.2f} s after the trip"
        state = b.admin.GetBreaker(admin_pb2.GetBreakerRequest(), timeout=10)
        assert state.state == pb.BREAKER_STATE_OPEN and state.manual and "tripped on A" in state.reason, state
        assert b.payments.GetStats(pb.GetStatsRequest(), timeout=10).breaker_state == pb.BREAKER_STATE_OPEN

        # The node answers again: still nothing is signed or broadcast, by either instance.
        devnet.faults(lookup_mode="honest")
        signed_before = [signed_total(i) for i in instances]
        broadcasts_before = broadcast_total(devnet)
        window = max(5 * poll, 1.0) + 1.0
        time.sleep(window)
        statuses = [name(b.payments.GetPayout(pb.GetPayoutRequest(payout_id=i)).status) for i in held]
        assert statuses == ["PENDING"] * len(held), statuses
        assert [signed_total(i) for i in instances] == signed_before
        assert broadcast_total(devnet) == broadcasts_before
        assert devnet.transfers(to=recipient) == []

        reset = time.monotonic()
        b.admin.ResetBreaker(admin_pb2.ResetBreakerRequest(reason="pg e2e: reset on B"), timeout=10)
        attempts = 0
        while True:
            attempts += 1
            try:
                held.append(a.payments.CreatePayout(request(f"pg-d-resumed-{attempts}", recipient, 7),
                                                    timeout=10).payout.payout_id)
                break
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.UNAVAILABLE, error
                assert time.monotonic() - reset < 20, "A still refuses 20 s after the reset on B"
                time.sleep(0.02)
        resumed = time.monotonic() - reset
        assert resumed <= poll + BREAKER_MARGIN_S, f"A accepted only {resumed:.2f} s after the reset"
        assert a.admin.GetBreaker(admin_pb2.GetBreakerRequest(), timeout=10).state == pb.BREAKER_STATE_CLOSED

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            payouts = [a.payments.GetPayout(pb.GetPayoutRequest(payout_id=i), timeout=10) for i in held]
            if all(p.status in FINAL for p in payouts):
                break
            time.sleep(1)
        assert [name(p.status) for p in payouts] == ["CONFIRMED"] * len(held), [p.failure_reason for p in payouts]
        chain_check(devnet, payouts, {recipient: sum(p.amount_units for p in payouts)}, hot_before,
                    {recipient: before})
        say(f"(d) OUTCOME: trip on A refused creates on B {propagation:.2f} s later (poll {POLL_MS} ms, "
            f"{len(held) - 2} creates accepted on B meanwhile); for {window:.1f} s with the node honest again nothing "
            f"was signed or broadcast and {len(held) - 1} payouts stayed PENDING; reset on B let A accept "
            f"{resumed:.2f} s later and all {len(held)} payouts were CONFIRMED, one transfer each")
    finally:
        stop_all(instances)
        devnet.stop()


# --- (e) payctl ledger copy ----------------------------------------------------------------------------------------


def snapshot(stub, ids, batch_id, replay):
    """Every read answer that must survive the copy unchanged."""
    answer = stub.CreatePayout(replay, timeout=10)
    transactions = stub.BatchGetTransactionStatus(pb.BatchGetTransactionStatusRequest(payout_ids=ids[:100]),
                                                  timeout=10)
    for status in transactions.statuses:
        # Seconds from now until a scheduled payout is due: it moves with the clock, not with the ledger.
        status.ClearField("estimated_confirmation_seconds")
    return {
        "payouts": {i: stub.GetPayout(pb.GetPayoutRequest(payout_id=i), timeout=10) for i in ids},
        "list": list_all(stub),
        "list_confirmed": list(stub.ListPayouts(pb.ListPayoutsRequest(status=CONFIRMED, page_size=100),
                                                timeout=10).payouts),
        "stats": stub.GetStats(pb.GetStatsRequest(), timeout=10),
        "batch": stub.GetBatch(pb.GetBatchRequest(batch_id=batch_id), timeout=10),
        "transactions": transactions,
        "replay": (answer.replayed, answer.payout),
    }


def differences(before, after):
    found = []
    for key in before:
        if key == "payouts":
            found += [f"GetPayout {i}: {before[key][i]} != {after[key].get(i)}" for i in before[key]
                      if before[key][i] != after[key].get(i)]
        elif before[key] != after[key]:
            found.append(f"{key}: {before[key]}\n  !=\n{after[key]}")
    return found


def test_ledger_copy_moves_a_sqlite_ledger_into_postgres_with_every_answer_unchanged(tmp_path, cluster):
    devnet = funded_devnet(tmp_path)
    env = paying(devnet, tmp_path)
    sqlite_dir = tmp_path / "sqlite"
    sqlite_dir.mkdir()
    sqlite_path = sqlite_dir / "payments.sqlite"
    server = pg = None
    try:
        server = PaymentRPCProcess(sqlite_dir, extra_env=env).start()
        channel = grpc.insecure_channel(server.target)
        stub = pb_stub(channel)
        rng = random.Random(5)
        addresses = recipients("pg-instances", "e", 6)
        recipients_before = {a: devnet.balance(a)["usdt_units"] for a in addresses}
        hot_before = devnet.balance(hot_address())["usdt_units"]
        requests = [request(f"pg-e-{n}", rng.choice(addresses), rng.randint(1, 2_000_000)) for n in range(40)]
        requests += [request(f"pg-e-daily-{n}", rng.choice(addresses), 5_000 + n, priority=pb.PRIORITY_DAILY)
                     for n in range(5)]
        requests.append(request("pg-e-weekly", addresses[0], 42, priority=pb.PRIORITY_WEEKLY))
        ids = [stub.CreatePayout(r, timeout=10).payout.payout_id for r in requests]
        batch = stub.CreateBatch(pb.CreateBatchRequest(
            idempotency_key="pg-e-batch", batch_type=pb.PRIORITY_IMMEDIATE,
            items=[pb.BatchItem(recipient_address=addresses[n], amount_units=3_000 + n, reason="pg e2e batch")
                   for n in range(4)]), timeout=10)
        ids += [p.payout_id for p in batch.payouts]
        cancelled = stub.CancelPayout(pb.CancelPayoutRequest(payout_id=ids[40], reason="pg e2e cancel"), timeout=10)
        assert cancelled.status == pb.PAYOUT_STATUS_CANCELLED
        deadline = time.monotonic() + 120
        while status_counts(stub)["CONFIRMED"] < 20:
            assert time.monotonic() < deadline, status_counts(stub)
            time.sleep(0.3)
        server.stop()  # some confirmed, others signed or broadcast: copied in flight
        channel.close()

        # What SQLite answers, read with the processor off so that nothing moves.
        quiet = {**env, "PAYMENT_RPC_PROCESSOR_ENABLED": "false"}
        server = PaymentRPCProcess(sqlite_dir, extra_env=quiet).start()
        channel = grpc.insecure_channel(server.target)
        from_sqlite = snapshot(pb_stub(channel), ids, batch.batch.batch_id, requests[3])
        channel.close()
        server.stop()
        server = None
        assert from_sqlite["replay"][0] is True
        at_copy = collections.Counter(name(p.status) for p in from_sqlite["list"])
        say(f"(e) SQLite ledger at the copy: {dict(at_copy)}")

        url = cluster.create_database("copy_target")
        began = time.monotonic()
        copied = ledger_copy(sqlite_path, url)
        copy_seconds = time.monotonic() - began
        say(f"(e) payctl ledger copy exited {copied.returncode} in {copy_seconds:.1f} s:\n"
            f"{copied.stdout.rstrip()}\n{copied.stderr.rstrip()}")
        assert copied.returncode == 0
        listed = migrate(url, list_only=True)
        say(f"(e) payment-rpc migrate --list after the copy:\n{listed.stdout.rstrip()}")

        pg_dir = tmp_path / "postgres"
        pg_dir.mkdir()
        pg = PaymentRPCProcess(pg_dir, extra_env={**quiet, **ledger_env(url)}).start()
        channel = grpc.insecure_channel(pg.target)
        pg_stub = pb_stub(channel)
        from_postgres = snapshot(pg_stub, ids, batch.batch.batch_id, requests[3])
        found = differences(from_sqlite, from_postgres)
        assert not found, "\n".join(found[:5])
        with pytest.raises(grpc.RpcError) as reused:
            pg_stub.CreatePayout(request("pg-e-0", addresses[0], 1), timeout=10)
        assert reused.value.code() == grpc.StatusCode.FAILED_PRECONDITION

        # A second copy into the now non-empty database is refused and changes nothing.
        again = ledger_copy(sqlite_path, url)
        message = (again.stdout + again.stderr).strip()
        say(f"(e) copy into the non-empty database exited {again.returncode}: {message[-500:]}")
        assert again.returncode != 0 and "not empty" in message, message
        assert list_all(pg_stub) == from_postgres["list"]
        channel.close()
        pg.stop()

        # The PostgreSQL instance pays on: what was in flight at the copy is finished, each payout once.
        pg = PaymentRPCProcess(pg_dir, extra_env={**env, **ledger_env(url, LEASE_SECONDS)}).start()
        channel = grpc.insecure_channel(pg.target)
        pg_stub = pb_stub(channel)
        due = [i for i, r in zip(ids, requests + [None] * 4)
               if r is None or r.priority not in (pb.PRIORITY_DAILY, pb.PRIORITY_WEEKLY)]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            payouts = [pg_stub.GetPayout(pb.GetPayoutRequest(payout_id=i), timeout=10) for i in due]
            if all(p.status in FINAL for p in payouts):
                break
            time.sleep(1)
        assert [name(p.status) for p in payouts] == ["CONFIRMED"] * len(due), [p.failure_reason for p in payouts]
        expected = collections.Counter()
        for payout in payouts:
            expected[payout.recipient_address] += payout.amount_units
        chain_check(devnet, payouts, {a: expected[a] for a in addresses}, hot_before, recipients_before)
        channel.close()
        say(f"(e) OUTCOME: {len(ids)} payouts ({dict(at_copy)}) copied from SQLite in {copy_seconds:.1f} s; "
            f"GetPayout×{len(ids)}, ListPayouts (all, CONFIRMED), GetStats, GetBatch, BatchGetTransactionStatus and "
            f"a replay (replayed=true, same payout) answer the same on PostgreSQL; a copy into the non-empty "
            f"database exited {again.returncode}; the {len(due)} due payouts then CONFIRMED on PostgreSQL, one "
            f"transfer each")
    finally:
        for process in (server, pg):
            if process is not None:
                process.stop()
        devnet.stop()
