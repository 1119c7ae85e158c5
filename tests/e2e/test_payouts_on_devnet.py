"""End to end: payment-rpc pays on tron-devnet. Payouts of each router become CONFIRMED, balances move by exactly
the amounts, fees are recorded; a forced REVERT ends FAILED with the reason; the key never shows in any output."""

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from lucid.payment.v1 import payment_pb2 as pb, payment_pb2_grpc
from support.kyc import kyc_attestation
from support.paying import HOT_KEY, hot_address, paying_stack
from support.payouts import wait_final

RECIPIENTS = ["TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp", "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC", "TDvSsdrNM5eeXNL3czpa6AxLDHZA9nwe9K"]




def test_payouts_of_each_router_are_confirmed_and_move_exact_balances(tmp_path):
    authority = Ed25519PrivateKey.generate()
    public = authority.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    devnet, server = paying_stack(tmp_path, extra_env={
        "PAYMENT_RPC_COMPLIANCE_AUTHORITY_PUBLIC_KEY": public,
        "PAYMENT_RPC_ROUTERS_DIRECT_ALLOWLIST": RECIPIENTS[2],
    })
    try:
        stub = payment_pb2_grpc.PaymentServiceStub(grpc.insecure_channel(server.target))
        before = {r: devnet.balance(r)["usdt_units"] for r in RECIPIENTS}
        hot_before = devnet.balance(hot_address())
        v0 = stub.CreatePayout(pb.CreatePayoutRequest(idempotency_key="v0-1", recipient_address=RECIPIENTS[0],
                                                      amount_units=1_500_000, reason="session"))
        kyc = stub.CreatePayout(pb.CreatePayoutRequest(
            idempotency_key="kyc-1", recipient_address=RECIPIENTS[1], amount_units=250_000_000, reason="node reward",
            kyc=kyc_attestation(authority, "kyc-1", RECIPIENTS[1], 250_000_000)))
        assert kyc.payout.router == pb.ROUTER_TYPE_KYC
        direct = stub.CreatePayout(pb.CreatePayoutRequest(idempotency_key="direct-1", recipient_address=RECIPIENTS[2],
                                                          amount_units=7, reason="ops", router=pb.ROUTER_TYPE_DIRECT))
        ids = [v0.payout.payout_id, kyc.payout.payout_id, direct.payout.payout_id]
        payouts = wait_final(stub, ids)
        assert [p.status for p in payouts] == [pb.PAYOUT_STATUS_CONFIRMED] * 3, [p.failure_reason for p in payouts]

        amounts = [1_500_000, 250_000_000, 7]
        for recipient, amount in zip(RECIPIENTS, amounts):
            assert devnet.balance(recipient)["usdt_units"] - before[recipient] == amount
        assert devnet.balance(hot_address())["usdt_units"] == hot_before["usdt_units"] - sum(amounts)

        statuses = stub.BatchGetTransactionStatus(pb.BatchGetTransactionStatusRequest(payout_ids=ids)).statuses
        trx_spent = hot_before["trx_sun"] - devnet.balance(hot_address())["trx_sun"]
        assert sum(s.fee_sun for s in statuses) == trx_spent, "every burned sun is recorded"
        for status, payout in zip(statuses, payouts):
            assert len(status.txid) == 64 and status.txid == payout.txid
            assert status.block_number > 0 and status.fee_sun > 0 and status.energy_used > 0 and status.bandwidth_used > 0
            assert status.confirmations >= 19 - 1 and status.required_confirmations == 19
            assert status.estimated_confirmation_seconds == 0
            info = devnet.call("wallet/gettransactioninfobyid", {"value": status.txid})
            assert info["blockNumber"] == status.block_number and info["fee"] == status.fee_sun
    finally:
        server.stop()
        devnet.stop()
    logs = (tmp_path / "payment-rpc.log").read_text() + (tmp_path / "devnet.log").read_text()
    assert HOT_KEY not in logs and HOT_KEY.upper() not in logs


def test_forced_revert_ends_failed_with_the_reason(tmp_path):
    devnet, server = paying_stack(tmp_path)
    try:
        devnet.faults(revert_recipients=[RECIPIENTS[0]])
        stub = payment_pb2_grpc.PaymentServiceStub(grpc.insecure_channel(server.target))
        before = devnet.balance(RECIPIENTS[0])["usdt_units"]
        created = stub.CreatePayout(pb.CreatePayoutRequest(idempotency_key="revert-1", recipient_address=RECIPIENTS[0],
                                                           amount_units=5_000_000, reason="will revert"))
        [payout] = wait_final(stub, [created.payout.payout_id])
        assert payout.status == pb.PAYOUT_STATUS_FAILED
        assert payout.failure_reason.startswith("REVERT")
        assert "fee of" in payout.failure_reason and "was burned" in payout.failure_reason
        assert devnet.balance(RECIPIENTS[0])["usdt_units"] == before
        status = stub.GetTransactionStatus(pb.GetTransactionStatusRequest(payout_id=payout.payout_id))
        assert status.fee_sun > 0 and status.block_number > 0
    finally:
        server.stop()
        devnet.stop()


def test_hot_wallet_key_file_must_be_owner_only(tmp_path):
    import os
    from support.paths import PAYMENT_RPC
    from support.paying import write_key_file
    from support.processes import run
    key = write_key_file(tmp_path)
    os.chmod(key, 0o644)
    result = run([PAYMENT_RPC], env={"PAYMENT_RPC_PROCESSOR_ENABLED": "true",
                                     "PAYMENT_RPC_WALLET_KEY_FILE": str(key),
                                     "PAYMENT_RPC_STORE_SQLITE_PATH": str(tmp_path / "x.sqlite")},
                 capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert f"wallet.key_file: {key} has mode 0644" in result.stderr
    assert HOT_KEY not in result.stderr + result.stdout


def test_identical_payouts_get_distinct_transactions(tmp_path):
    """Same recipient, same amount, signed in the same round: each payout must be its own transaction."""
    devnet, server = paying_stack(tmp_path)
    try:
        stub = payment_pb2_grpc.PaymentServiceStub(grpc.insecure_channel(server.target))
        before = devnet.balance(RECIPIENTS[0])["usdt_units"]
        ids = [stub.CreatePayout(pb.CreatePayoutRequest(idempotency_key=f"same-{n}", recipient_address=RECIPIENTS[0],
                                                        amount_units=1_000, reason="same")).payout.payout_id
               for n in range(40)]
        payouts = wait_final(stub, ids)
        assert all(p.status == pb.PAYOUT_STATUS_CONFIRMED for p in payouts), [p.failure_reason for p in payouts]
        assert len({p.txid for p in payouts}) == 40
        assert devnet.balance(RECIPIENTS[0])["usdt_units"] - before == 40 * 1_000
    finally:
        server.stop()
        devnet.stop()
