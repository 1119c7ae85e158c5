"""Waiting for payouts: the statuses a payout ends in, and listing every payout page by page."""
import time

from lucid.payment.v1 import payment_pb2 as pb

FINAL = (pb.PAYOUT_STATUS_CONFIRMED, pb.PAYOUT_STATUS_FAILED, pb.PAYOUT_STATUS_CANCELLED)

# The recipients the processor fault and crash tests pay at random.
RECIPIENTS = ["TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp", "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC",
              "TDvSsdrNM5eeXNL3czpa6AxLDHZA9nwe9K", "TE2H9hWjzYdwzDFRJfx9BFhr4MmjH1CHaz"]


def wait_final(stub, ids, timeout=90, interval=0.3):
    """The payouts `ids` (GetPayout) once every one is final; AssertionError naming their statuses after `timeout`."""
    deadline = time.time() + timeout
    while True:
        payouts = [stub.GetPayout(pb.GetPayoutRequest(payout_id=i)) for i in ids]
        if all(p.status in FINAL for p in payouts):
            return payouts
        if time.time() > deadline:
            raise AssertionError(f"not final after {timeout}s: {[pb.PayoutStatus.Name(p.status) for p in payouts]}")
        time.sleep(interval)


def list_all(stub):
    """Every payout in the ledger, through ListPayouts pages of 100."""
    payouts, token = [], ""
    while True:
        page = stub.ListPayouts(pb.ListPayoutsRequest(page_size=100, page_token=token), timeout=10)
        payouts += page.payouts
        token = page.next_page_token
        if not token:
            return payouts


def recipients(namespace, tag, count):
    """`count` distinct TRON addresses, the same for the same (namespace, tag) in every run."""
    import hashlib

    from tronpy.keys import PrivateKey
    return [PrivateKey(hashlib.sha256(f"{namespace}-{tag}-{n}".encode()).digest()).public_key.to_base58check_address()
            for n in range(count)]


def create_each(stub, addresses, tag, base_units, step_units, reason):
    """One payout per address, amounts `base_units + step_units * n`; returns {payout_id: (recipient, amount)}."""
    payouts = {}
    for n, recipient in enumerate(addresses):
        amount = base_units + step_units * n
        reply = stub.CreatePayout(pb.CreatePayoutRequest(idempotency_key=f"{tag}-{n}", recipient_address=recipient,
                                                         amount_units=amount, reason=reason), timeout=10)
        payouts[reply.payout.payout_id] = (recipient, amount)
    return payouts
