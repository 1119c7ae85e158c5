"""KYC approvals as the compliance authority signs them (the canonical text documented on KycAttestation in
proto/lucid/payment/v1/payment.proto)."""
import base64
import time

from lucid.payment.v1 import payment_pb2 as pb

HEADER = "lucid.payment.v1.kyc-approval.v2"


def canonical_text(key, recipient, amount, node_id, kyc_hash, not_after, batch_index=None):
    """The signed text: a single payout's (domain:payout), or item `batch_index` of batch `key`."""
    domain = "payout" if batch_index is None else f"batch_item:{batch_index}"
    return "\n".join([HEADER, f"domain:{domain}", f"idempotency_key:{key}", f"recipient_address:{recipient}",
                      f"amount_units:{amount}", f"node_id:{node_id}", f"kyc_hash:{kyc_hash.lower()}",
                      f"not_after:{not_after}"])


def kyc_attestation(authority, key, recipient, amount, batch_index=None, not_after=None, node_id="node-9"):
    """An attestation signed by `authority` (an Ed25519 private key), valid for an hour unless told otherwise."""
    kyc_hash = "ab" * 32
    not_after = int(time.time()) + 3600 if not_after is None else not_after
    text = canonical_text(key, recipient, amount, node_id, kyc_hash, not_after, batch_index)
    return pb.KycAttestation(kyc_verified=True, kyc_hash=kyc_hash, node_id=node_id,
                             compliance_signature=base64.b64encode(authority.sign(text.encode())).decode(),
                             not_after_unix_seconds=not_after)
