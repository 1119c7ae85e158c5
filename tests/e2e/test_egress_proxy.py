"""Egress through a proxy (issue 10): with `tron.proxy` payment-rpc reaches the TRON node only through it.

A pure-Python SOCKS5 proxy (support/socks5.py, standing in for Tor's SocksPort) sits between payment-rpc and
tron-devnet. Payouts confirm through it and it saw the node traffic; with it stopped the node is unreachable, so new
payouts wait (none FAILED, nothing paid: the devnet's own record, `POST /admin/transfers`, read directly by the test);
started again on the same port, they confirm, each recipient paid exactly once. The cross-check nodes
(`tron.cross_check_urls`) are reached through the proxy too.
"""
import collections
import time

import grpc

from lucid.payment.v1 import payment_pb2 as pb, payment_pb2_grpc
from support.devnet import Devnet
from support.paths import PAYMENT_RPC
from support.paying import HOT_KEY, hot_address, paying_stack, write_key_file
from support.payment_rpc import PaymentRPCProcess
import support.payouts as payout_support
from support.payouts import FINAL
from support.processes import run
from support.socks5 import Socks5Proxy

OUTAGE_S = 10  # 50 processor rounds at 200 ms


def recipients(tag, count):
    return payout_support.recipients("egress-proxy", tag, count)


def create(stub, tag, count):
    """`count` payouts, each to its own recipient; {payout_id: (recipient, amount)}."""
    return payout_support.create_each(stub, recipients(tag, count), tag, 2_000_000, 11, "egress proxy test")


def statuses(stub, payouts):
    return {i: stub.GetPayout(pb.GetPayoutRequest(payout_id=i), timeout=10) for i in payouts}


def summary(found):
    return dict(collections.Counter(pb.PayoutStatus.Name(p.status) for p in found.values()))


def wait_final(stub, payouts, timeout=90):
    deadline = time.time() + timeout
    while True:
        found = statuses(stub, payouts)
        if all(p.status in FINAL for p in found.values()) or time.time() > deadline:
            return found
        time.sleep(0.5)


def received(devnet, payouts):
    """The USDT transfers on chain to each payout's recipient: {recipient: [amount, …]}."""
    by = collections.defaultdict(list)
    for transfer in devnet.transfers():
        by[transfer["to"]].append(transfer["amount_units"])
    return {recipient: by[recipient] for recipient, _ in payouts.values()}


def assert_confirmed_and_paid_once(devnet, stub, payouts):
    found = wait_final(stub, payouts)
    assert summary(found) == {"PAYOUT_STATUS_CONFIRMED": len(payouts)}, (
        summary(found), sorted({p.failure_reason for p in found.values() if p.failure_reason})[:3])
    paid = received(devnet, payouts)
    for recipient, amount in payouts.values():
        assert paid[recipient] == [amount], (recipient, paid[recipient])


def test_payouts_go_through_the_proxy_and_wait_while_it_is_down(tmp_path):
    proxy = Socks5Proxy().start()
    devnet = server = None
    try:
        devnet, server = paying_stack(tmp_path, extra_env={"PAYMENT_RPC_TRON_PROXY": proxy.url})
        stub = payment_pb2_grpc.PaymentServiceStub(grpc.insecure_channel(server.target))

        before = create(stub, "up", 3)
        assert_confirmed_and_paid_once(devnet, stub, before)
        assert proxy.connections > 0, "payment-rpc paid without going through the proxy"
        assert set(proxy.targets) == {("127.0.0.1", devnet.port)}, proxy.targets

        proxy.stop()
        seen = proxy.connections
        during = create(stub, "down", 5)
        deadline = time.time() + OUTAGE_S
        while time.time() < deadline:
            found = statuses(stub, during)
            assert not any(p.status in FINAL for p in found.values()), summary(found)
            time.sleep(0.5)
        assert all(amounts == [] for amounts in received(devnet, during).values()), "paid while the proxy was down"
        assert proxy.connections == seen

        proxy.start()
        assert_confirmed_and_paid_once(devnet, stub, during)
        assert proxy.connections > seen, "payouts confirmed without a new tunnel"
        assert set(proxy.targets) == {("127.0.0.1", devnet.port)}, proxy.targets
        # The payouts from before the outage are untouched: still CONFIRMED, still paid once.
        assert_confirmed_and_paid_once(devnet, stub, before)
    finally:
        if server:
            server.stop()
        if devnet:
            devnet.stop()
        proxy.stop()
    log = (tmp_path / "payment-rpc.log").read_text()
    assert proxy.url in log, "the start-up log names the proxy"
    assert HOT_KEY not in log


def test_cross_check_nodes_are_reached_through_the_proxy_too(tmp_path):
    """The node payment-rpc pays through lags (lookups answer `{}` for 40 blocks, past a 3 s expiration), so before
    retiring anything the processor asks the cross-check node (`tron.cross_check_urls`, another listener of the same
    devnet): both are reached through the proxy only, and every payout confirms, paid once."""
    proxy = Socks5Proxy().start()
    devnet = Devnet(tmp_path, fund=[(hot_address(), 100_000_000_000, 10_000_000_000)], block_interval_ms=300,
                    extra_args=["--solid-lag", "6"], views=2)
    primary, honest = devnet.views
    server = PaymentRPCProcess(tmp_path, extra_env={
        "PAYMENT_RPC_PROCESSOR_ENABLED": "true",
        "PAYMENT_RPC_PROCESSOR_POLL_INTERVAL_MS": "200",
        "PAYMENT_RPC_PROCESSOR_EXPIRATION_MS": "3000",
        "PAYMENT_RPC_TRON_NODE_URL": primary.url,
        "PAYMENT_RPC_TRON_SOLIDITY_URL": primary.url,
        "PAYMENT_RPC_TRON_CROSS_CHECK_URLS": honest.url,
        "PAYMENT_RPC_TRON_REQUEST_TIMEOUT_MS": "2000",
        "PAYMENT_RPC_TRON_PROXY": proxy.url,
        "PAYMENT_RPC_WALLET_KEY_FILE": str(write_key_file(tmp_path)),
    })
    try:
        devnet.start()
        primary.lagging(40, lag_solidity=True)
        server.start()
        stub = payment_pb2_grpc.PaymentServiceStub(grpc.insecure_channel(server.target))
        payouts = create(stub, "cross-check", 5)
        assert_confirmed_and_paid_once(devnet, stub, payouts)
        assert set(proxy.targets) == {("127.0.0.1", primary.port), ("127.0.0.1", honest.port)}, proxy.targets
    finally:
        server.stop()  # each stop() is a no-op for a process that never started
        devnet.stop()
        proxy.stop()


def test_check_config_reads_tron_proxy_and_refuses_credentials_without_showing_them(tmp_path):
    config = tmp_path / "payment-rpc.yaml"
    config.write_text("log:\n  level: info\n")
    accepted = run([PAYMENT_RPC, "check-config", str(config)], env={"PAYMENT_RPC_TRON_PROXY": "socks5://127.0.0.1:9050"},
                   capture_output=True, text=True, timeout=30)
    assert accepted.returncode == 0, accepted.stderr
    assert "node proxy socks5://127.0.0.1:9050" in accepted.stdout
    result = run([PAYMENT_RPC, "check-config", str(config)],
                 env={"PAYMENT_RPC_TRON_PROXY": "socks5://tor:hunter2@127.0.0.1:9050"},
                 capture_output=True, text=True, timeout=30)
    assert result.returncode == 2, result.stderr
    assert "tron.proxy" in result.stderr and "must not carry credentials" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
