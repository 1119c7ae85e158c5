"""The grpcio peer of scripts/bench-all.sh: grpc.health.v1.Health/Check on grpcio's asyncio server, answering
SERVING from memory, plaintext h2c on the address given as the first argument. The messages are handled as bytes
(no generated stubs): the request is ignored and the answer is HealthCheckResponse{status: SERVING}."""

import asyncio
import sys

import grpc

SERVING = b"\x08\x01"  # field 1 (status), varint 1 (SERVING)


async def check(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    return SERVING


async def main(address: str) -> None:
    server = grpc.aio.server()
    handler = grpc.method_handlers_generic_handler(
        "grpc.health.v1.Health",
        {"Check": grpc.unary_unary_rpc_method_handler(check)},
    )
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(address)
    await server.start()
    print(f"grpcio health peer listening on {address}", flush=True)
    await server.wait_for_termination()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:50072"))
