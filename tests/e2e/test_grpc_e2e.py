"""End to end: the built payment-rpc binary, called with Python grpcio stubs generated from proto/."""
import urllib.request

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from support.payment_rpc import PaymentRPCProcess
from lucid.payment.v1 import admin_pb2, admin_pb2_grpc, payment_pb2 as pb, payment_pb2_grpc

RECIPIENT = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf"
CALLER = [("x-lucid-source-plane", "ops"), ("x-lucid-source-service", "e2e")]


def stubs(target):
    channel = grpc.insecure_channel(target)
    return channel, payment_pb2_grpc.PaymentServiceStub(channel)


def create(stub, key, amount=2_000_000, **fields):
    return stub.CreatePayout(pb.CreatePayoutRequest(
        idempotency_key=key, recipient_address=RECIPIENT, amount_units=amount, reason="e2e", **fields),
        metadata=CALLER, timeout=10)


def test_create_get_list_batch_cancel_then_restart_and_read_back(server: PaymentRPCProcess):
    channel, stub = stubs(server.target)
    first = create(stub, "e2e-1")
    assert first.payout.status == pb.PAYOUT_STATUS_PENDING
    assert first.payout.requested_by == "ops/e2e"
    assert not first.replayed
    assert create(stub, "e2e-1").replayed

    got = stub.GetPayout(pb.GetPayoutRequest(payout_id=first.payout.payout_id))
    assert got == first.payout

    batch = stub.CreateBatch(pb.CreateBatchRequest(
        idempotency_key="e2e-batch", batch_type=pb.PRIORITY_DAILY,
        items=[pb.BatchItem(recipient_address=RECIPIENT, amount_units=n, reason=f"item {n}") for n in (1, 2, 3)]),
        metadata=CALLER)
    assert batch.batch.item_count == 3 and batch.batch.total_amount_units == 6
    assert all(p.status == pb.PAYOUT_STATUS_SCHEDULED for p in batch.payouts)

    cancelled = stub.CancelPayout(pb.CancelPayoutRequest(payout_id=batch.payouts[0].payout_id, reason="not needed"))
    assert cancelled.status == pb.PAYOUT_STATUS_CANCELLED

    listed = stub.ListPayouts(pb.ListPayoutsRequest(page_size=2))
    assert len(listed.payouts) == 2 and listed.next_page_token
    rest = stub.ListPayouts(pb.ListPayoutsRequest(page_size=2, page_token=listed.next_page_token))
    assert [p.payout_id for p in list(listed.payouts) + list(rest.payouts)] == \
        [p.payout_id for p in reversed(batch.payouts)] + [first.payout.payout_id]

    before = {p.payout_id: p for p in stub.ListPayouts(pb.ListPayoutsRequest(page_size=100)).payouts}
    stats_before = stub.GetStats(pb.GetStatsRequest())
    channel.close()

    assert server.stop() == 0, "SIGTERM ends the server cleanly"
    server.start()
    channel, stub = stubs(server.target)
    after = {p.payout_id: p for p in stub.ListPayouts(pb.ListPayoutsRequest(page_size=100)).payouts}
    assert after == before
    assert stub.GetBatch(pb.GetBatchRequest(batch_id=batch.batch.batch_id)).batch.status_counts.cancelled == 1
    assert stub.GetStats(pb.GetStatsRequest()) == stats_before
    assert create(stub, "e2e-1").payout == first.payout, "idempotency keys survive a restart"
    channel.close()


def test_errors_carry_status_and_field(server: PaymentRPCProcess):
    channel, stub = stubs(server.target)
    with pytest.raises(grpc.RpcError) as bad:
        stub.CreatePayout(pb.CreatePayoutRequest(idempotency_key="x", recipient_address="T" + "1" * 33,
                                                 amount_units=1, reason="r"))
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad.value.details().startswith("recipient_address: ")
    with pytest.raises(grpc.RpcError) as missing:
        stub.GetPayout(pb.GetPayoutRequest(payout_id="po_" + "0" * 32))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as limit:
        for n in range(12):
            create(stub, f"big-{n}", amount=100_000_000)
    assert limit.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "hourly limit" in limit.value.details()

    admin = admin_pb2_grpc.AdminServiceStub(channel)
    admin.TripBreaker(admin_pb2.TripBreakerRequest(reason="e2e"))
    with pytest.raises(grpc.RpcError) as paused:
        create(stub, "paused", amount=1)
    assert paused.value.code() == grpc.StatusCode.UNAVAILABLE
    with pytest.raises(urllib.error.HTTPError) as not_ready:
        urllib.request.urlopen(f"http://127.0.0.1:{server.admin_port}/ready")
    assert not_ready.value.code == 503
    admin.ResetBreaker(admin_pb2.ResetBreakerRequest(reason="e2e done"))
    channel.close()


def test_health_and_admin_port(server: PaymentRPCProcess):
    channel = grpc.insecure_channel(server.target)
    health = health_pb2_grpc.HealthStub(channel)
    assert health.Check(health_pb2.HealthCheckRequest()).status == health_pb2.HealthCheckResponse.SERVING
    watch = health.Watch(health_pb2.HealthCheckRequest(service="lucid.payment.v1.PaymentService"), timeout=5)
    assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
    watch.cancel()
    stub = payment_pb2_grpc.PaymentServiceStub(channel)
    create(stub, "metrics-1")
    base = f"http://127.0.0.1:{server.admin_port}"
    assert urllib.request.urlopen(f"{base}/live").status == 200
    health_json = urllib.request.urlopen(f"{base}/health").read().decode()
    assert '"store":{"error":"","ok":true}' in health_json
    metrics = urllib.request.urlopen(f"{base}/metrics").read().decode()
    assert 'tron_payment_requests_total{router_type="V0",priority="IMMEDIATE",status="accepted"} 1' in metrics
    assert "tron_payout_processing_duration_seconds" in metrics
    assert "tron_payout_amount_usdt_total 2" in metrics
    channel.close()
