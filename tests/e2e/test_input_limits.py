"""Bounded work before parsing: every string and repeated field of every RPC, sent at 1 MB straight over gRPC, is
refused with INVALID_ARGUMENT naming the field within 50 ms (release build; see the budget below), while
Health/Check keeps answering. Before the
generated checks, a 200 KB recipient_address kept payment-rpc at 100% CPU for minutes (quadratic Base58 decode)."""
import threading
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from lucid.payment.v1 import admin_pb2, admin_pb2_grpc, payment_pb2 as pb, payment_pb2_grpc
from support.paths import PAYMENT_RPC

MB = 1 << 20
RECIPIENT = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf"
PAYOUT_ID = "po_" + "0" * 32
BATCH_ID = "bt_" + "0" * 32
CALLER = [("x-lucid-source-plane", "ops"), ("x-lucid-source-service", "e2e")]


def big(char="z"):
    return char * MB


def kyc(**fields):
    values = {"kyc_verified": True, "kyc_hash": "ab" * 32, "node_id": "node-1", "compliance_signature": "A" * 86 + "=="}
    values.update(fields)
    return pb.KycAttestation(**values)


def payout(**fields):
    values = {"idempotency_key": "limits-1", "recipient_address": RECIPIENT, "amount_units": 1, "reason": "limits"}
    values.update(fields)
    return pb.CreatePayoutRequest(**values)


def item(**fields):
    values = {"recipient_address": RECIPIENT, "amount_units": 1, "reason": "limits"}
    values.update(fields)
    return pb.BatchItem(**values)


def batch(**fields):
    values = {"idempotency_key": "limits-batch", "items": [item()]}
    values.update(fields)
    return pb.CreateBatchRequest(**values)


# (RPC, request with one field at ~1 MB, the field path the error must name)
CASES = [
    ("CreatePayout", payout(idempotency_key=big("k")), "idempotency_key"),
    ("CreatePayout", payout(recipient_address="T" + big()), "recipient_address"),
    ("CreatePayout", payout(reason=big("r")), "reason"),
    ("CreatePayout", payout(kyc=kyc(kyc_hash=big("a"))), "kyc.kyc_hash"),
    ("CreatePayout", payout(kyc=kyc(node_id=big("n"))), "kyc.node_id"),
    ("CreatePayout", payout(kyc=kyc(compliance_signature=big("A"))), "kyc.compliance_signature"),
    ("GetPayout", pb.GetPayoutRequest(payout_id=big("p")), "payout_id"),
    ("ListPayouts", pb.ListPayoutsRequest(recipient_address=big("T")), "recipient_address"),
    ("ListPayouts", pb.ListPayoutsRequest(batch_id=big("b")), "batch_id"),
    ("ListPayouts", pb.ListPayoutsRequest(requested_by=big("u")), "requested_by"),
    ("ListPayouts", pb.ListPayoutsRequest(page_token=big("t")), "page_token"),
    ("CancelPayout", pb.CancelPayoutRequest(payout_id=big("p")), "payout_id"),
    ("CancelPayout", pb.CancelPayoutRequest(payout_id=PAYOUT_ID, reason=big("r")), "reason"),
    ("CreateBatch", batch(idempotency_key=big("k")), "idempotency_key"),
    # ~1 MB of valid items: refused on the count alone.
    ("CreateBatch", batch(items=[item()] * (MB // 48)), "items"),
    ("CreateBatch", batch(items=[item(), item(recipient_address=big("T"))]), "items[1].recipient_address"),
    ("CreateBatch", batch(items=[item(), item(), item(reason=big("r"))]), "items[2].reason"),
    ("CreateBatch", batch(items=[item(kyc=kyc(node_id=big("n")))]), "items[0].kyc.node_id"),
    ("CreateBatch", batch(items=[item(kyc=kyc(kyc_hash=big("a")))]), "items[0].kyc.kyc_hash"),
    ("CreateBatch", batch(items=[item(kyc=kyc(compliance_signature=big("A")))]), "items[0].kyc.compliance_signature"),
    ("GetBatch", pb.GetBatchRequest(batch_id=big("b")), "batch_id"),
    ("GetTransactionStatus", pb.GetTransactionStatusRequest(payout_id=big("p")), "payout_id"),
    ("BatchGetTransactionStatus", pb.BatchGetTransactionStatusRequest(payout_ids=[PAYOUT_ID] * (MB // 37)), "payout_ids"),
    ("BatchGetTransactionStatus", pb.BatchGetTransactionStatusRequest(payout_ids=[PAYOUT_ID, big("p")]), "payout_ids[1]"),
    ("TripBreaker", admin_pb2.TripBreakerRequest(reason=big("r")), "reason"),
    ("ResetBreaker", admin_pb2.ResetBreakerRequest(reason=big("r")), "reason"),
]


def test_every_bounded_field_is_declared_here():
    """The table above covers every string and repeated field of every request message, nested ones included."""
    def repeated(field):
        return field.is_repeated if hasattr(field, "is_repeated") else field.label == field.LABEL_REPEATED

    def fields(descriptor, prefix=""):
        for field in descriptor.fields:
            path = prefix + field.name
            if field.message_type is not None and field.message_type.full_name.startswith("lucid."):
                yield from fields(field.message_type, path + ("[0]." if repeated(field) else "."))
                if repeated(field):
                    yield path
            elif field.type == field.TYPE_STRING or repeated(field):
                yield path
    declared = set()
    for service in (pb.DESCRIPTOR.services_by_name["PaymentService"], admin_pb2.DESCRIPTOR.services_by_name["AdminService"]):
        for method in service.methods:
            declared |= {(method.name, path) for path in fields(method.input_type)}
    covered = {(rpc, path.replace("[1]", "[0]").replace("[2]", "[0]")) for rpc, _, path in CASES}
    # Nested fields of batch items are covered through items[N]; kyc fields of single payouts through kyc.*.
    assert declared - covered == set(), f"fields without a 1 MB case: {sorted(declared - covered)}"


@pytest.fixture
def stubs(server):
    channel = grpc.insecure_channel(server.target, options=[
        ("grpc.max_send_message_length", 4 * MB), ("grpc.max_receive_message_length", 4 * MB)])
    yield payment_pb2_grpc.PaymentServiceStub(channel), admin_pb2_grpc.AdminServiceStub(channel), \
        health_pb2_grpc.HealthStub(channel)
    channel.close()


def test_each_field_at_one_megabyte_is_refused_quickly_and_health_keeps_answering(server, stubs):
    payments, admin, health = stubs
    health_channel = grpc.insecure_channel(server.target)
    health_stub = health_pb2_grpc.HealthStub(health_channel)
    stop = threading.Event()
    health_results = []

    def probe():
        while not stop.is_set():
            started = time.monotonic()
            try:
                status = health_stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2).status
            except grpc.RpcError as error:
                status = error.code()
            health_results.append((status, time.monotonic() - started))
            time.sleep(0.01)

    # 50 ms for a release payment-rpc. A debug build moves bytes through NIO and HTTP/2 unoptimised (receiving 1 MB
    # alone takes it hundreds of ms), so it gets 20 times the budget; the measured figures are printed either way.
    budget = 0.05 if "/release/" in PAYMENT_RPC else 1.0
    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    slow = []
    timings_by_case = []
    try:
        for rpc, request, field in CASES:
            stub = admin if rpc in ("TripBreaker", "ResetBreaker") else payments
            call = getattr(stub, rpc)
            timings = []
            # The best of three: the machine is shared, and one call can lose its core to another process.
            for _ in range(3):
                started = time.monotonic()
                with pytest.raises(grpc.RpcError) as refused:
                    call(request, metadata=CALLER, timeout=10)
                timings.append(time.monotonic() - started)
                error = refused.value
                assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (rpc, field, error.details())
                assert error.details().startswith(field + ": "), (rpc, field, error.details())
                trailers = dict(error.trailing_metadata() or ())
                assert trailers.get("x-lucid-error-field") == field, (rpc, field, trailers)
            timings_by_case.append((rpc, field, round(min(timings) * 1000, 1)))
            if min(timings) > budget:
                slow.append((rpc, field, round(min(timings) * 1000, 1)))
    finally:
        stop.set()
        thread.join()
        health_channel.close()
    print(f"budget {budget * 1000:.0f} ms ({PAYMENT_RPC}); best of 3 per case, ms: {timings_by_case}")
    assert not slow, f"refusals slower than {budget * 1000:.0f} ms (best of 3, in ms): {slow}"
    assert len(health_results) >= 5, "Health/Check ran alongside"
    assert all(status == health_pb2.HealthCheckResponse.SERVING for status, _ in health_results), health_results
    assert max(elapsed for _, elapsed in health_results) < 1.0, "Health/Check never waited behind a big request"


def test_a_request_over_its_rpc_size_is_refused_even_when_every_field_is_valid(server):
    # Unknown field 99 (length-delimited, 16 KB): no field owns it, the RPC's 256-byte maximum does.
    extra = bytes([0x9a, 0x06]) + bytes([0x80, 0x80, 0x01]) + b"x" * 16384
    request = pb.GetPayoutRequest(payout_id=PAYOUT_ID).SerializeToString() + extra
    channel = grpc.insecure_channel(server.target)
    raw = channel.unary_unary("/lucid.payment.v1.PaymentService/GetPayout",
                              request_serializer=lambda body: body, response_deserializer=lambda body: body)
    with pytest.raises(grpc.RpcError) as refused:
        raw(request, metadata=CALLER, timeout=10)
    channel.close()
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "accepts at most 256" in refused.value.details()


def test_a_message_over_the_transport_cap_is_refused_before_it_is_parsed(server, stubs):
    payments, _, _ = stubs
    with pytest.raises(grpc.RpcError) as refused:
        payments.CreatePayout(payout(reason="r" * (3 * MB)), metadata=CALLER, timeout=10)
    # The transport resets the stream once the message passes its cap (2 MiB): grpcio reports the reset.
    assert refused.value.code() in (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.CANCELLED), refused.value
    assert payments.GetStats(pb.GetStatsRequest(), timeout=10).daily_limit_units > 0, "the server answers on"


def test_a_valid_request_still_passes(server, stubs):
    payments, admin, _ = stubs
    created = payments.CreatePayout(payout(), metadata=CALLER, timeout=10)
    assert created.payout.payout_id.startswith("po_")
    assert payments.GetPayout(pb.GetPayoutRequest(payout_id=created.payout.payout_id), timeout=10) == created.payout
    listed = payments.ListPayouts(pb.ListPayoutsRequest(page_size=100, recipient_address=RECIPIENT), timeout=10)
    assert [p.payout_id for p in listed.payouts] == [created.payout.payout_id]
