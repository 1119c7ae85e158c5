"""Outflow windows at signing time: three DAILY batches accepted in three different hours of a fast development
clock all come due at 00:00; with an hourly limit of one batch, the processor signs them across three UTC hours
(one batch per hour, in order), never more than the hourly limit in any hour, and each payout is paid once."""
import sqlite3
import time

import grpc

from lucid.payment.v1 import payment_pb2 as pb, payment_pb2_grpc
from support.paying import hot_address, paying_stack
from support.payouts import FINAL

RATE = 240  # one fast hour is 15 real seconds
START = "2030-01-01T21:30:00Z"
HOUR_MS = 3_600_000
ITEM_UNITS = 5_000_000
HOURLY = 2 * ITEM_UNITS  # one batch of two items per hour
RECIPIENTS = ["TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp", "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC",
              "TDvSsdrNM5eeXNL3czpa6AxLDHZA9nwe9K"]
MIDNIGHT_MS = 1_893_542_400_000  # 2030-01-02T00:00:00Z


def fast_ms(timestamp) -> int:
    return timestamp.seconds * 1000 + timestamp.nanos // 1_000_000


def sleep_until_fast(reference_fast_ms: int, reference_real: float, target_fast_ms: int):
    """Sleeps until the server's fast clock (extrapolated from a reference reading) reaches target."""
    real_target = reference_real + (target_fast_ms - reference_fast_ms) / 1000 / RATE
    time.sleep(max(0.0, real_target - time.time()))


def test_daily_batches_due_together_sign_across_hourly_windows(tmp_path):
    devnet, server = paying_stack(tmp_path, extra_env={
        "PAYMENT_RPC_DEVELOPMENT_CLOCK_START": START,
        "PAYMENT_RPC_DEVELOPMENT_CLOCK_RATE": str(RATE),
        "PAYMENT_RPC_LIMITS_HOURLY_UNITS": str(HOURLY),
        "PAYMENT_RPC_LIMITS_DAILY_UNITS": str(100 * HOURLY),
        "PAYMENT_RPC_LIMITS_V0_MAX_UNITS": str(ITEM_UNITS),
        "PAYMENT_RPC_LIMITS_KYC_MAX_UNITS": str(ITEM_UNITS),
        "PAYMENT_RPC_LIMITS_DIRECT_MAX_UNITS": str(ITEM_UNITS),
    })
    try:
        stub = payment_pb2_grpc.PaymentServiceStub(grpc.insecure_channel(server.target))
        before = {r: devnet.balance(r)["usdt_units"] for r in RECIPIENTS}
        batches, accepted_hours = [], []
        reference = None
        for index in range(3):
            items = [pb.BatchItem(recipient_address=RECIPIENTS[(index + n) % 3], amount_units=ITEM_UNITS,
                                  reason=f"daily {index}") for n in range(2)]
            reply = stub.CreateBatch(pb.CreateBatchRequest(idempotency_key=f"daily-{index}",
                                                           batch_type=pb.PRIORITY_DAILY, items=items), timeout=10)
            created = fast_ms(reply.batch.created_at)
            reference = (created, time.time())
            accepted_hours.append(created // HOUR_MS)
            assert fast_ms(reply.batch.scheduled_for) == MIDNIGHT_MS, "every batch is due at 00:00"
            assert created < MIDNIGHT_MS
            batches.append(reply)
            if index < 2:
                # The next batch is accepted in the next UTC hour (the hourly acceptance limit allows one per hour).
                sleep_until_fast(*reference, (created // HOUR_MS + 1) * HOUR_MS + 60_000)
        assert len(set(accepted_hours)) == 3, accepted_hours

        ids = [p.payout_id for reply in batches for p in reply.payouts]
        # Nothing is signed before midnight.
        sleep_until_fast(*reference, MIDNIGHT_MS - 120_000)
        assert all(stub.GetPayout(pb.GetPayoutRequest(payout_id=i)).status == pb.PAYOUT_STATUS_SCHEDULED for i in ids)

        # Twenty fast minutes after midnight the first batch is signed and the other two wait, as GetStats says.
        sleep_until_fast(*reference, MIDNIGHT_MS + 20 * 60_000)
        stats = stub.GetStats(pb.GetStatsRequest(), timeout=10)
        assert stats.outflow_waiting_count == 4, stats
        assert stats.outflow_waiting_reason.startswith("hourly outflow limit"), stats.outflow_waiting_reason
        assert "waits until 2030-01-02T01:00:00Z" in stats.outflow_waiting_reason, stats.outflow_waiting_reason
        assert stats.hourly_signed_units == HOURLY and stats.daily_signed_units == HOURLY, stats

        deadline = time.time() + 150
        while time.time() < deadline:
            payouts = [stub.GetPayout(pb.GetPayoutRequest(payout_id=i)) for i in ids]
            if all(p.status in FINAL for p in payouts):
                break
            time.sleep(1)
        assert [p.status for p in payouts] == [pb.PAYOUT_STATUS_CONFIRMED] * 6, \
            [(pb.PayoutStatus.Name(p.status), p.failure_reason) for p in payouts]

        with sqlite3.connect(f"file:{tmp_path / 'payments.sqlite'}?mode=ro", uri=True) as db:
            rows = db.execute("""
                SELECT p.id, p.amount_units, t.created_at_ms, t.outcome FROM payout_transactions t
                JOIN payouts p ON p.id = t.payout_id ORDER BY t.created_at_ms""").fetchall()
        assert {r[0] for r in rows} == set(ids) and len(rows) == 6, "one transaction per payout"
        signed_at = {r[0]: r[2] for r in rows}
        per_hour = {}
        for _, amount, at, _ in rows:
            per_hour[at // HOUR_MS] = per_hour.get(at // HOUR_MS, 0) + amount
        assert all(total <= HOURLY for total in per_hour.values()), per_hour
        hours = [[signed_at[p.payout_id] // HOUR_MS for p in reply.payouts] for reply in batches]
        midnight_hour = MIDNIGHT_MS // HOUR_MS
        # Batch n signs in hour 00+n, in order of acceptance.
        assert hours == [[midnight_hour] * 2, [midnight_hour + 1] * 2, [midnight_hour + 2] * 2], hours

        expected = {r: 0 for r in RECIPIENTS}
        for reply in batches:
            for p in reply.payouts:
                expected[p.recipient_address] += p.amount_units
        for recipient in RECIPIENTS:
            assert devnet.balance(recipient)["usdt_units"] - before[recipient] == expected[recipient]
        assert "due payouts wait for the next outflow window" in server.log_path.read_text()
    finally:
        server.stop()
        devnet.stop()
