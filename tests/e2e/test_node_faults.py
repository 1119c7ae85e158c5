"""No single node can cause a second payment (issue 8, item 5), attacked with real processes.

One tron-devnet process serves one chain on three listeners: the main one (honest; the test reads the truth from it),
view 0 (the faulty node payment-rpc is pointed at: `tron.node_url` and `tron.solidity_url`) and view 1 (honest; the
cross-check node when a test configures `tron.cross_check_urls`). Every payout goes to its own recipient, so
"paid twice" is read straight off the chain: the USDT transfers to each recipient (`POST /admin/transfers`).

The faults (tron-devnet `POST /admin/faults` on view 0):
- lagging: transaction lookups answer `{}` for `lag_blocks` blocks after inclusion, far longer than it takes the
  solid block to pass the transaction's expiration;
- lying: lookups always answer `{}`, and (with `clock_offset_ms`) the node's head and solid blocks claim a clock
  ten minutes ahead, so its solid block is "past" every expiration almost at once; broadcasts still land;
- refused rebroadcast: a broadcast of a transaction the node already holds is refused (SIGERROR or
  CONTRACT_VALIDATE_ERROR) instead of DUP_TRANSACTION_ERROR.
"""
import collections
import threading
import time

import grpc
import pytest

from lucid.payment.v1 import admin_pb2, admin_pb2_grpc, payment_pb2 as pb, payment_pb2_grpc
from support.devnet import Devnet
from support.paying import hot_address, write_key_file
from support.payment_rpc import PaymentRPCProcess
import support.payouts as payout_support
from support.payouts import FINAL

BLOCK_INTERVAL_MS = 300
SOLID_LAG = 6  # blocks: 1.8 s at 300 ms
EXPIRATION_MS = 3000
LAG_BLOCKS = 40  # 12 s: the solid block passes a 3 s expiration after ~16 blocks
PAYOUTS = 50


def recipients(tag, count):
    return payout_support.recipients("node-faults", tag, count)


def stack(directory, expiration_ms=EXPIRATION_MS, cross_check=False):
    """tron-devnet with two views, and payment-rpc paying through view 0 (cross-checking with view 1 if asked)."""
    devnet = Devnet(directory, fund=[(hot_address(), 100_000_000_000, 10_000_000_000)],
                    block_interval_ms=BLOCK_INTERVAL_MS, extra_args=["--solid-lag", str(SOLID_LAG)], views=2).start()
    primary, honest = devnet.views
    env = {
        "PAYMENT_RPC_PROCESSOR_ENABLED": "true",
        "PAYMENT_RPC_PROCESSOR_POLL_INTERVAL_MS": "200",
        "PAYMENT_RPC_PROCESSOR_EXPIRATION_MS": str(expiration_ms),
        "PAYMENT_RPC_TRON_NODE_URL": primary.url,
        "PAYMENT_RPC_TRON_SOLIDITY_URL": primary.url,
        "PAYMENT_RPC_TRON_REQUEST_TIMEOUT_MS": "2000",
        "PAYMENT_RPC_WALLET_KEY_FILE": str(write_key_file(directory)),
        "PAYMENT_RPC_LIMITS_DAILY_UNITS": "900000000000",
        "PAYMENT_RPC_LIMITS_HOURLY_UNITS": "800000000000",
        "PAYMENT_RPC_LIMITS_V0_MAX_UNITS": "1000000000",
    }
    if cross_check:
        env["PAYMENT_RPC_TRON_CROSS_CHECK_URLS"] = honest.url
    return devnet, primary, PaymentRPCProcess(directory, extra_env=env)


def create(stub, tag, count):
    """`count` payouts, each to its own recipient; {payout_id: (recipient, amount)}."""
    return payout_support.create_each(stub, recipients(tag, count), tag, 1_000_000, 7, "node fault test")


def transfers_by_recipient(devnet, payouts):
    by = collections.defaultdict(list)
    for transfer in devnet.transfers():
        by[transfer["to"]].append(transfer["amount_units"])
    return {recipient: by[recipient] for recipient, _ in payouts.values()}


def paid_more_than_once(devnet, payouts):
    """Recipients with more than one transfer, and how many times each was paid."""
    return {r: len(amounts) for r, amounts in transfers_by_recipient(devnet, payouts).items() if len(amounts) > 1}


def statuses(stub, payouts):
    return {i: stub.GetPayout(pb.GetPayoutRequest(payout_id=i), timeout=10) for i in payouts}


def summary(found):
    names = [pb.PayoutStatus.Name(p.status) for p in found.values()]
    return dict(collections.Counter(names))


def wait_final(stub, payouts, timeout):
    deadline = time.time() + timeout
    while True:
        found = statuses(stub, payouts)
        if all(p.status in FINAL for p in found.values()) or time.time() > deadline:
            return found
        time.sleep(0.5)


def assert_paid_exactly_once_and_confirmed(devnet, stub, payouts, timeout, settle_s=0):
    """Waits for every payout to be final, then (after `settle_s`, for transactions still on their way into a block)
    checks the chain: nobody paid twice; then the ledger: every payout CONFIRMED; then each recipient paid once."""
    found = wait_final(stub, payouts, timeout)
    time.sleep(settle_s)
    twice = paid_more_than_once(devnet, payouts)
    assert not twice, (f"{len(twice)} of {len(payouts)} recipients paid more than once "
                       f"(times paid: {dict(collections.Counter(twice.values()))}); statuses {summary(found)}")
    received = transfers_by_recipient(devnet, payouts)
    failed_but_paid = sum(1 for i, p in found.items()
                          if p.status == pb.PAYOUT_STATUS_FAILED and received[payouts[i][0]])
    assert summary(found) == {"PAYOUT_STATUS_CONFIRMED": len(payouts)}, (
        f"statuses {summary(found)}, {failed_but_paid} FAILED but paid on chain; reasons "
        f"{sorted({p.failure_reason for p in found.values() if p.failure_reason})[:3]}")
    for recipient, amount in payouts.values():
        assert received[recipient] == [amount], recipient


@pytest.mark.parametrize("lag_solidity,cross_check", [(False, False), (True, True)],
                         ids=["wallet-lookups-lag", "all-lookups-lag-cross-checked"])
def test_lagging_node_pays_nothing_twice(tmp_path, lag_solidity, cross_check):
    """50 payouts through a node whose lookups answer `{}` for 40 blocks (12 s) after inclusion, with a 3 s
    expiration: the node's solid block passes each expiration while it still says "not found".

    - wallet-lookups-lag: only the full-node `/wallet/` lookups lag; the node's `/walletsolidity/` lookups are
      consistent with its own solid block. Deciding "absent" from the solidity endpoints of the node whose solid
      block is used sees every transaction.
    - all-lookups-lag-cross-checked: every lookup lags (a stale backend behind a load balancer whose blocks come from
      a fresh one), and `tron.cross_check_urls` names an honest node, which must also agree before anything retires.

    Asserted: no recipient receives a second transfer, every payout ends CONFIRMED, and each recipient holds exactly
    its amount, once. (With every lookup lagging and no cross-check, no processor that trusts lookups alone can
    tell; that case is not asserted here.)
    """
    devnet, primary, server = stack(tmp_path, cross_check=cross_check)
    try:
        primary.lagging(LAG_BLOCKS, lag_solidity=lag_solidity)
        server.start()
        stub = payment_pb2_grpc.PaymentServiceStub(grpc.insecure_channel(server.target))
        payouts = create(stub, "lagging", PAYOUTS)
        assert_paid_exactly_once_and_confirmed(devnet, stub, payouts, timeout=75)
    finally:
        server.stop()
        devnet.stop()


@pytest.mark.parametrize("clock_offset_ms,cross_check", [(600_000, False), (600_000, True), (0, True)],
                         ids=["clock-ahead", "clock-ahead-cross-checked", "honest-clock-cross-checked"])
def test_lying_node_pays_nothing_twice(tmp_path, clock_offset_ms, cross_check):
    """50 payouts through a node that answers `{}` to every lookup, forever, while it broadcasts honestly.

    A lying node never reports a receipt, so the processor cannot confirm anything from it; what it must not do is
    retire (and pay again). Phase 1 (20 s, several expirations): asserted that no recipient is paid twice and no
    payout is FAILED. The node is not trusted to retire because its solid block is ten minutes ahead of the local
    clock (clock-ahead: beyond `tron.clock_tolerance_ms`), and/or because the cross-check node (`tron.cross_check_urls`)
    sees the transaction (cross-checked). Phase 2: the node turns honest (it "shows them"): every payout ends
    CONFIRMED and each recipient holds exactly its amount, once. (A processor that confirms from the cross-check node
    already in phase 1 passes too.)
    """
    devnet, primary, server = stack(tmp_path, cross_check=cross_check)
    try:
        primary.lying(clock_offset_ms=clock_offset_ms)
        server.start()
        stub = payment_pb2_grpc.PaymentServiceStub(grpc.insecure_channel(server.target))
        payouts = create(stub, "lying", PAYOUTS)
        time.sleep(20)
        twice = paid_more_than_once(devnet, payouts)
        found = statuses(stub, payouts)
        assert not twice, (f"{len(twice)} of {len(payouts)} recipients paid more than once while the node lied "
                           f"(times paid: {dict(collections.Counter(twice.values()))}); statuses {summary(found)}")
        assert "PAYOUT_STATUS_FAILED" not in summary(found), summary(found)

        primary.honest()
        assert_paid_exactly_once_and_confirmed(devnet, stub, payouts, timeout=60)
    finally:
        server.stop()
        devnet.stop()


class BreakerOperator:
    """Stands in for the operator a tripped breaker calls: resets the breaker whenever it finds it open, and keeps the
    reasons it found. The processor signs nothing new while the breaker is open, so a trip in the middle of the
    payouts leaves the rest waiting for exactly this."""

    def __init__(self, channel):
        self.admin = admin_pb2_grpc.AdminServiceStub(channel)
        self.reasons = []
        self.errors = []  # an admin call that failed: the test fails on any (the operator must not go blind)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def state(self):
        return self.admin.GetBreaker(admin_pb2.GetBreakerRequest(), timeout=5)

    def watch(self):
        while not self.stopping.wait(0.1):
            try:
                status = self.state()
                if status.state == pb.BREAKER_STATE_OPEN:
                    self.reasons.append(status.reason)
                    self.admin.ResetBreaker(admin_pb2.ResetBreakerRequest(reason="test operator: looked, resumed"),
                                            timeout=5)
            except grpc.RpcError as error:
                self.errors.append(f"{error.code()}: {error.details()}")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join()


@pytest.mark.parametrize("code", ["SIGERROR", "CONTRACT_VALIDATE_ERROR"])
def test_refused_rebroadcast_does_not_fail_a_payout(tmp_path, code):
    """20 payouts through a node that accepts each first broadcast, holds the transaction for 10 blocks (3 s) before
    a block includes it, and refuses every rebroadcast of a transaction it already holds with `code` (java-tron's
    shape) instead of DUP_TRANSACTION_ERROR. The processor looks a transaction up right after broadcasting it, does
    not find it yet, and sends the same bytes again: refused. The first broadcast lands anyway.

    Asserted: every payout ends CONFIRMED (not FAILED: a refused rebroadcast says nothing about the bytes already
    accepted), and each recipient holds exactly its amount, once. A refused SIGERROR opens the breaker (a node that
    calls our signature bad must stop new signing until someone looks), so payouts not yet signed when it trips wait
    for an operator: `BreakerOperator` resets it, and for SIGERROR at least one trip naming SIGERROR must have
    happened; CONTRACT_VALIDATE_ERROR on a rebroadcast trips nothing.
    """
    devnet, primary, server = stack(tmp_path, expiration_ms=20_000)
    try:
        primary.faults(refuse_rebroadcast_code=code, inclusion_delay_blocks=10)
        server.start()
        channel = grpc.insecure_channel(server.target)
        stub = payment_pb2_grpc.PaymentServiceStub(channel)
        with BreakerOperator(channel) as operator:
            payouts = create(stub, f"refused-{code}", 20)
            assert_paid_exactly_once_and_confirmed(devnet, stub, payouts, timeout=45, settle_s=5)
        refused = primary.call("admin/stats", {})["broadcasts"].get(code, 0)
        assert refused >= 1, "the processor never rebroadcast, so nothing was refused: the attack did not happen"
        assert operator.errors == [], operator.errors
        if code == "SIGERROR":
            assert operator.reasons and all("SIGERROR" in reason for reason in operator.reasons), operator.reasons
        else:
            assert operator.reasons == [], operator.reasons
            assert operator.state().state == pb.BREAKER_STATE_CLOSED
    finally:
        server.stop()
        devnet.stop()
