"""The FastAPI + uvicorn peer of payment-gateway for scripts/bench-all.sh (the stack of this system's first design).

It does the work payment-gateway does for `GET /api/payment/payouts/{payout_id}` with a `service` token: verify the
HS256 bearer token (signature, exp, iss, aud, a known role), check the id's shape, call
`lucid.payment.v1.PaymentService/GetPayout` through the same beta-sidecar over mTLS with the gateway's client
certificate and the caller's identity headers, and answer the payout as proto3 JSON.

    python3 fastapi_gateway.py --listen 127.0.0.1:PORT --sidecar localhost:PORT --certs DIR \
        --jwt-secret-file FILE --stubs tests/e2e/gen
"""

import argparse
import re
import sys
import uuid

ROLES = {"admin", "node_operator", "end_user", "service"}
PAYOUT_ID = re.compile(r"^po_[0-9a-f]{32}$")


def build_app(args):
    import grpc
    import jwt
    from fastapi import FastAPI, Header, HTTPException, Response
    from google.protobuf import json_format

    sys.path.insert(0, args.stubs)
    from lucid.payment.v1 import payment_pb2, payment_pb2_grpc

    with open(args.jwt_secret_file, "rb") as f:
        secret = f.read().strip()
    certs = args.certs

    def read(name):
        with open(f"{certs}/{name}", "rb") as f:
            return f.read()

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read("ca.pem"),
        private_key=read("ops-api-gateway.key"),
        certificate_chain=read("ops-api-gateway.pem"),
    )
    app = FastAPI()
    state = {}

    @app.on_event("startup")
    async def connect():
        state["channel"] = grpc.aio.secure_channel(args.sidecar, credentials)
        state["stub"] = payment_pb2_grpc.PaymentServiceStub(state["channel"])

    @app.get("/api/payment/payouts/{payout_id}")
    async def get_payout(payout_id: str, authorization: str | None = Header(default=None)):
        if not authorization or not authorization.lower().startswith("bearer "):
            raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
        try:
            claims = jwt.decode(
                authorization[7:].strip(), secret, algorithms=["HS256"], audience=args.audience,
                issuer=args.issuer, options={"require": ["exp", "iss", "aud", "sub"]})
        except jwt.PyJWTError:
            raise HTTPException(401, "the bearer token is not valid")
        if claims.get("role") not in ROLES:
            raise HTTPException(403, "unknown role")
        if not PAYOUT_ID.match(payout_id):
            raise HTTPException(400, "payout_id must match ^po_[0-9a-f]{32}$")
        metadata = (
            ("x-lucid-user-id", claims["sub"]),
            ("x-lucid-user-role", claims["role"]),
            ("x-request-id", str(uuid.uuid4())),
        )
        try:
            payout = await state["stub"].GetPayout(
                payment_pb2.GetPayoutRequest(payout_id=payout_id), metadata=metadata, timeout=10)
        except grpc.aio.AioRpcError as error:
            status = 404 if error.code() == grpc.StatusCode.NOT_FOUND else 502
            raise HTTPException(status, error.details())
        body = json_format.MessageToJson(payout, indent=None)
        return Response(content=body, media_type="application/json")

    return app


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", required=True)
    parser.add_argument("--sidecar", required=True)
    parser.add_argument("--certs", required=True)
    parser.add_argument("--jwt-secret-file", required=True)
    parser.add_argument("--stubs", required=True)
    parser.add_argument("--issuer", default="lucid-dev")
    parser.add_argument("--audience", default="payment-api")
    args = parser.parse_args()
    import uvicorn

    host, port = args.listen.rsplit(":", 1)
    uvicorn.run(build_app(args), host=host, port=int(port), log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
