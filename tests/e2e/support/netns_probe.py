"""What one network namespace can reach; run by support/containers.py under `nsenter --net=…`, prints one JSON object.

    netns_probe.py GEN_DIR connect HOST PORT                   {"connected": bool, "error": str}
    netns_probe.py GEN_DIR http HOST PORT PATH                  {"status": int, "body": str} or {"error": str}
    netns_probe.py GEN_DIR grpc HOST PORT SERVER_NAME CERT_DIR IDENTITY
        PaymentService/GetStats over mTLS as IDENTITY (CERT_DIR/IDENTITY.pem/.key, CA CERT_DIR/ca.pem), checking the
        server's name SERVER_NAME: {"code": "OK" | grpc status name, "details": str}

Every attempt has a short timeout, so an unreachable address answers within seconds.
"""
import json
import pathlib
import socket
import sys
import urllib.request


def connect(host, port):
    try:
        with socket.create_connection((host, int(port)), timeout=3):
            return {"connected": True, "error": ""}
    except OSError as error:
        return {"connected": False, "error": f"{type(error).__name__}: {error}"}


def http(host, port, path):
    try:
        with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=5) as response:
            return {"status": response.status, "body": response.read().decode(errors="replace")}
    except urllib.error.HTTPError as error:
        return {"status": error.code, "body": error.read().decode(errors="replace")}
    except OSError as error:
        return {"error": f"{type(error).__name__}: {error}"}


def grpc_call(host, port, server_name, cert_dir, identity):
    import grpc

    from lucid.payment.v1 import payment_pb2 as pb, payment_pb2_grpc
    certs = pathlib.Path(cert_dir)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=(certs / "ca.pem").read_bytes(), private_key=(certs / f"{identity}.key").read_bytes(),
        certificate_chain=(certs / f"{identity}.pem").read_bytes())
    channel = grpc.secure_channel(f"{host}:{port}", credentials,
                                  options=[("grpc.ssl_target_name_override", server_name)])
    try:
        payment_pb2_grpc.PaymentServiceStub(channel).GetStats(pb.GetStatsRequest(), timeout=10)
        return {"code": "OK", "details": ""}
    except grpc.RpcError as error:
        return {"code": error.code().name, "details": error.details() or ""}
    finally:
        channel.close()


def main(argv):
    gen_dir, command, *args = argv
    sys.path.insert(0, gen_dir)
    handlers = {"connect": connect, "http": http, "grpc": grpc_call}
    print(json.dumps(handlers[command](*args)))


if __name__ == "__main__":
    main(sys.argv[1:])
