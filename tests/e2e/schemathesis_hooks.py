"""schemathesis hooks for test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS): strategies for the two `format`s
the document declares where a pattern cannot say everything, and one filter for a rule no schema can state.

- `tron-address`: the pattern bounds the text; the Base58Check checksum it cannot. Valid addresses are drawn from a
  fixed set, which the test's payment-rpc also allowlists for DIRECT payouts.
- `lucid-page-token`: tokens are minted by the server and bound to the listing's filters; the only token a client
  can hold before any response is the empty one (the first page).
- KYC payouts carry an Ed25519 approval signed over the request by the compliance authority: a schema-valid body on
  the KYC router is refused unless signed, so positive cases on it are not generated (the approvals are tested in
  test_grpc_e2e.py and the hostile tests). Negative cases are kept.
"""
import hashlib

import schemathesis
from hypothesis import strategies as st

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58check(payload: bytes) -> str:
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    number = int.from_bytes(data, "big")
    text = ""
    while number:
        number, digit = divmod(number, 58)
        text = ALPHABET[digit] + text
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + text


ADDRESSES = [base58check(bytes([0x41]) + hashlib.sha256(bytes([n])).digest()[:20]) for n in range(8)]

schemathesis.openapi.format("tron-address", st.sampled_from(ADDRESSES))
schemathesis.openapi.format("lucid-page-token", st.just(""))


def is_kyc(payout: dict) -> bool:
    router = payout.get("router")
    if router == "ROUTER_TYPE_KYC":
        return True
    kyc = payout.get("kyc")
    implied = isinstance(kyc, dict) and kyc.get("kycVerified") is True and kyc.get("kycHash") and kyc.get("nodeId")
    return router in (None, "ROUTER_TYPE_UNSPECIFIED") and bool(implied)


@schemathesis.hook
def filter_case(context, case):
    meta = getattr(case, "meta", None)
    if meta is None or not meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return True
    if case.operation.label == "POST /api/payment/payouts":
        return not is_kyc(case.body)
    if case.operation.label == "POST /api/payment/payouts/batch":
        items = case.body.get("items")
        return not (isinstance(items, list) and any(isinstance(item, dict) and is_kyc(item) for item in items))
    return True
