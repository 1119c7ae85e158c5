"""Waiting for payouts: the statuses a payout ends in, and listing every payout page by page."""
from lucid.payment.v1 import payment_pb2 as pb

FINAL = (pb.PAYOUT_STATUS_CONFIRMED, pb.PAYOUT_STATUS_FAILED, pb.PAYOUT_STATUS_CANCELLED)

# The recipients the processor fault and crash tests pay at random.
RECIPIENTS = ["TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp", "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC",
              "TDvSsdrNM5eeXNL3czpa6AxLDHZA9nwe9K", "TE2H9hWjzYdwzDFRJfx9BFhr4MmjH1CHaz"]


def list_all(stub):
    """Every payout in the ledger, through ListPayouts pages of 100."""
    payouts, token = [], ""
    while True:
        page = stub.ListPayouts(pb.ListPayoutsRequest(page_size=100, page_token=token), timeout=10)
        payouts += page.payouts
        token = page.next_page_token
        if not token:
            return payouts
