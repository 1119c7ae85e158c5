"""TreasuryService on tron-devnet, checked against tronpy (an independent TRON client) and the chain itself: the hot
wallet's figures, the network, a payout's cost estimate, and the Stake 2.0 operations signed inside payment-rpc,
each exactly once whatever is repeated or killed; /health degraded below a threshold; payctl treasury."""
import json
import random
import re
import subprocess
import threading
import time
import urllib.request

import grpc
import pytest
from tronpy import Tron
from tronpy.providers import HTTPProvider

from lucid.payment.v1 import treasury_pb2 as tr, treasury_pb2_grpc
from support.paths import PAYCTL
from support.paying import hot_address, paying_stack
from support.payment_rpc import PaymentRPCProcess

TRX = 1_000_000
USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
NEW_RECIPIENT = "TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp"
BORROWER = "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC"
FLOOR_ENERGY = 130_285
ENERGY = tr.STAKE_RESOURCE_ENERGY


def treasury(server):
    return treasury_pb2_grpc.TreasuryServiceStub(grpc.insecure_channel(server.target))


def wait_final(stub, operation_id, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        operation = stub.GetTreasuryOperation(tr.GetTreasuryOperationRequest(operation_id=operation_id))
        if operation.status in (tr.TREASURY_OPERATION_STATUS_CONFIRMED, tr.TREASURY_OPERATION_STATUS_FAILED):
            return operation
        time.sleep(0.2)
    raise AssertionError(f"operation {operation_id} not final in {timeout} s: {operation}")


def frozen(client, resource="ENERGY"):
    account = client.get_account(hot_address())
    return sum(entry.get("amount", 0) for entry in account.get("frozenV2", [])
               if entry.get("type", "BANDWIDTH") == resource)


def code_of(call):
    with pytest.raises(grpc.RpcError) as error:
        call()
    return error.value.code(), error.value.details()


def test_treasury_figures_match_tronpy_and_each_operation_lands_once(tmp_path):
    devnet, server = paying_stack(
        tmp_path, devnet_args=("--unfreeze-delay-seconds", "2"),
        extra_env={"PAYMENT_RPC_TREASURY_MIN_USDT_UNITS": "20000000000", "PAYMENT_RPC_TREASURY_REFRESH_SECONDS": "5"})
    try:
        stub = treasury(server)
        client = Tron(HTTPProvider(devnet.url + "/"))
        devnet.produce(20)

        # The wallet and the network, as tronpy reads them.
        wallet = stub.GetHotWallet(tr.GetHotWalletRequest())
        assert wallet.address == hot_address()
        assert wallet.trx_sun == client.get_account_balance(hot_address()) * TRX
        assert wallet.usdt_units == 10_000_000_000
        assert wallet.energy.limit == 0 and wallet.payouts_covered_by_energy == 0
        resource = client.get_account_resource(hot_address())
        assert wallet.free_bandwidth.limit == resource["freeNetLimit"]
        assert wallet.typical_payout_energy == FLOOR_ENERGY
        per_payout = FLOOR_ENERGY * 100 * 120 // 100 + 345 * 1_000
        assert wallet.payouts_covered_by_trx == wallet.trx_sun // per_payout == wallet.payouts_covered
        network = stub.GetNetwork(tr.GetNetworkRequest())
        parameters = {p["key"]: p.get("value", 0) for p in client.get_chain_parameters()}
        assert network.energy_fee_sun == parameters["getEnergyFee"] == network.current_energy_price_sun
        assert network.bandwidth_fee_sun == parameters["getTransactionFee"]
        assert network.max_fee_limit_sun == parameters["getMaxFeeLimit"]
        assert network.node_version == "devnet" and network.network == "devnet" and network.usdt_contract == USDT
        assert network.head_block >= network.solid_block > 0

        # The estimate: tronpy's triggerconstantcontract figure, all of it burning while nothing is staked.
        estimate = stub.EstimatePayoutCost(
            tr.EstimatePayoutCostRequest(recipient_address=NEW_RECIPIENT, amount_units=1_000_000))
        contract = client.get_contract(USDT)
        expected = client.trigger_constant_contract(
            hot_address(), USDT, "transfer(address,uint256)",
            contract.functions.transfer._prepare_parameter(NEW_RECIPIENT, 1_000_000))["energy_used"]
        assert estimate.energy == expected and estimate.first_time_recipient
        assert estimate.energy_burned == expected and estimate.energy_from_stake == 0
        assert estimate.trx_burn_sun == expected * 100 + estimate.bandwidth_burn_sun
        assert estimate.fee_limit_sun == -(-max(expected, FLOOR_ENERGY) * 100 * 120 // 100)

        # /health: USDT below treasury.min_usdt_units is degraded (still 200), with the gauges on /metrics.
        deadline = time.time() + 10
        while time.time() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.admin_port}/health", timeout=5) as response:
                health = json.loads(response.read())
            if health["checks"].get("hot_wallet", {}).get("below"):
                break
            time.sleep(0.3)
        assert health["status"] == "degraded", health
        assert "treasury.min_usdt_units" in health["checks"]["hot_wallet"]["below"][0]
        with urllib.request.urlopen(f"http://127.0.0.1:{server.admin_port}/metrics", timeout=5) as response:
            metrics = response.read().decode()
        assert re.search(r"^tron_hot_wallet_usdt_units 10000000000(\.0)?$", metrics, re.M), metrics
        assert re.search(r"^tron_hot_wallet_payouts_covered \d+", metrics, re.M)
        assert re.search(r"^tron_hot_wallet_degraded 1(\.0)?$", metrics, re.M), "the alert HotWalletBelowThreshold's gauge"

        # Stake: signed here, stored, broadcast, followed to solid; exactly one freeze on chain, and a repeat of
        # the request sends nothing.
        request = tr.StakeRequest(idempotency_key="stake-1", amount_sun=20_000 * TRX, resource=ENERGY)
        first = stub.Stake(request)
        assert first.status in (tr.TREASURY_OPERATION_STATUS_SIGNED, tr.TREASURY_OPERATION_STATUS_BROADCAST)
        assert not first.replayed and first.operation_id.startswith("tr_") and len(first.txid) == 64
        confirmed = wait_final(stub, first.operation_id)
        assert confirmed.status == tr.TREASURY_OPERATION_STATUS_CONFIRMED, confirmed.failure_reason
        assert confirmed.block_number > 0 and confirmed.kind == tr.TREASURY_OPERATION_KIND_STAKE
        again = stub.Stake(request)
        assert again.replayed and again.operation_id == first.operation_id and again.txid == first.txid
        assert frozen(client) == 20_000 * TRX
        code, details = code_of(lambda: stub.Stake(
            tr.StakeRequest(idempotency_key="stake-1", amount_sun=30_000 * TRX, resource=ENERGY)))
        assert code == grpc.StatusCode.FAILED_PRECONDITION and "stake-1" in details
        transaction = client.get_transaction(first.txid)
        assert transaction["raw_data"]["contract"][0]["type"] == "FreezeBalanceV2Contract"

        # What the stake buys, as tronpy sees it.
        wallet = stub.GetHotWallet(tr.GetHotWalletRequest())
        resource = client.get_account_resource(hot_address())
        assert wallet.energy.limit == resource["EnergyLimit"] > 2 * FLOOR_ENERGY
        assert [(s.resource, s.amount_sun) for s in wallet.staked] == [(ENERGY, 20_000 * TRX)]
        assert wallet.payouts_covered_by_energy == resource["EnergyLimit"] // FLOOR_ENERGY
        estimate = stub.EstimatePayoutCost(
            tr.EstimatePayoutCostRequest(recipient_address=NEW_RECIPIENT, amount_units=1_000_000))
        assert estimate.energy_from_stake == estimate.energy and estimate.energy_burned == 0
        assert estimate.trx_burn_sun == estimate.bandwidth_burn_sun

        # Delegate (to an account that exists, as java-tron requires) and take back, against tronpy's view.
        devnet.call("admin/mint", {"address": BORROWER, "trx_sun": TRX, "usdt_units": 0})
        delegated = wait_final(stub, stub.DelegateResource(tr.DelegateResourceRequest(
            idempotency_key="lend-1", receiver_address=BORROWER, amount_sun=1_000 * TRX, resource=ENERGY)).operation_id)
        assert delegated.status == tr.TREASURY_OPERATION_STATUS_CONFIRMED, delegated.failure_reason
        wallet = stub.GetHotWallet(tr.GetHotWalletRequest())
        assert [(d.receiver_address, d.amount_sun) for d in wallet.delegated_out] == [(BORROWER, 1_000 * TRX)]
        lent = client.get_delegated_resource_v2(hot_address(), BORROWER)["delegatedResource"][0]
        assert lent["frozen_balance_for_energy"] == 1_000 * TRX
        taken = wait_final(stub, stub.UndelegateResource(tr.UndelegateResourceRequest(
            idempotency_key="unlend-1", receiver_address=BORROWER, amount_sun=1_000 * TRX, resource=ENERGY)).operation_id)
        assert taken.status == tr.TREASURY_OPERATION_STATUS_CONFIRMED, taken.failure_reason
        assert not stub.GetHotWallet(tr.GetHotWalletRequest()).delegated_out

        # Unstake, then withdraw once the (2 s) delay has passed: the TRX is back in the balance.
        unstaked = wait_final(stub, stub.Unstake(tr.UnstakeRequest(
            idempotency_key="unstake-1", amount_sun=1_000 * TRX, resource=ENERGY)).operation_id)
        assert unstaked.status == tr.TREASURY_OPERATION_STATUS_CONFIRMED, unstaked.failure_reason
        wallet = stub.GetHotWallet(tr.GetHotWalletRequest())
        assert [(u.amount_sun, u.resource) for u in wallet.unstaking] == [(1_000 * TRX, ENERGY)]
        assert frozen(client) == 19_000 * TRX
        time.sleep(3)
        devnet.produce(2)
        assert stub.GetHotWallet(tr.GetHotWalletRequest()).withdrawable_sun == 1_000 * TRX
        before = client.get_account_balance(hot_address()) * TRX
        withdrawn = wait_final(stub, stub.WithdrawUnstaked(
            tr.WithdrawUnstakedRequest(idempotency_key="withdraw-1")).operation_id)
        assert withdrawn.status == tr.TREASURY_OPERATION_STATUS_CONFIRMED, withdrawn.failure_reason
        after = client.get_account_balance(hot_address()) * TRX
        assert after - before == 1_000 * TRX - withdrawn.fee_sun
        assert not stub.GetHotWallet(tr.GetHotWalletRequest()).unstaking

        # A stake the node refuses on its first send fails with the node's words; nothing on chain changed.
        refused = stub.Stake(tr.StakeRequest(idempotency_key="too-much", amount_sun=10**9 * TRX, resource=ENERGY))
        refused = wait_final(stub, refused.operation_id)
        assert refused.status == tr.TREASURY_OPERATION_STATUS_FAILED
        assert "refused" in refused.failure_reason and "CONTRACT_VALIDATE_ERROR" in refused.failure_reason
        assert frozen(client) == 19_000 * TRX

        # Bad input is refused before any work, naming the field.
        for call, field in [
            (lambda: stub.Stake(tr.StakeRequest(idempotency_key="k", amount_sun=10 * TRX, resource=99)), "resource"),
            (lambda: stub.Stake(tr.StakeRequest(idempotency_key="k", amount_sun=999_999, resource=ENERGY)), "amount_sun"),
            (lambda: stub.Stake(tr.StakeRequest(amount_sun=10 * TRX, resource=ENERGY)), "idempotency_key"),
            (lambda: stub.DelegateResource(tr.DelegateResourceRequest(
                idempotency_key="self", receiver_address=hot_address(), amount_sun=10 * TRX, resource=ENERGY)),
             "receiver_address"),
            (lambda: stub.DelegateResource(tr.DelegateResourceRequest(
                idempotency_key="bad", receiver_address="T" + "1" * 33, amount_sun=10 * TRX, resource=ENERGY)),
             "receiver_address"),
            (lambda: stub.GetTreasuryOperation(tr.GetTreasuryOperationRequest(operation_id="po_" + "0" * 32)),
             "operation_id"),
            (lambda: stub.EstimatePayoutCost(tr.EstimatePayoutCostRequest(recipient_address=NEW_RECIPIENT)),
             "amount_units"),
        ]:
            code, details = code_of(call)
            assert code == grpc.StatusCode.INVALID_ARGUMENT and field in details, (field, details)
        code, _ = code_of(lambda: stub.GetTreasuryOperation(
            tr.GetTreasuryOperationRequest(operation_id="tr_" + "0" * 32)))
        assert code == grpc.StatusCode.NOT_FOUND

        # payctl treasury, the operator's command line, over the same service.
        status = json.loads(subprocess.run(
            [PAYCTL, "treasury", "status", "--rpc", server.target], check=True, capture_output=True, text=True,
            timeout=30).stdout)
        assert status["hot_wallet"]["address"] == hot_address()
        assert status["network"]["node_version"] == "devnet"
        staked = subprocess.run(
            [PAYCTL, "treasury", "stake", "--rpc", server.target, "--amount-sun", str(5 * TRX), "--resource",
             "bandwidth", "--idempotency-key", "payctl-1", "--wait"], capture_output=True, text=True, timeout=120)
        assert staked.returncode == 0, staked.stderr
        assert json.loads(staked.stdout)["status"] == "TREASURY_OPERATION_STATUS_CONFIRMED"
        assert frozen(client, "BANDWIDTH") == 5 * TRX
    finally:
        server.stop()
        devnet.stop()


def test_kill9_during_stake_operations_gives_exactly_one_freeze_each(tmp_path):
    """kill -9 of payment-rpc after a stake was signed and sent, but before it landed (the node dropped it), and at
    random moments of further stakes; after restarts and retries with the same keys, each key is one operation,
    CONFIRMED, and the chain holds exactly the sum of the stakes."""
    devnet, server = paying_stack(tmp_path)
    try:
        client = Tron(HTTPProvider(devnet.url + "/"))
        devnet.produce(20)
        # The node accepts the broadcast and loses it: the operation is durable and BROADCAST, nothing on chain.
        devnet.faults(drop_broadcast_rate=1.0)
        first = treasury(server).Stake(tr.StakeRequest(idempotency_key="crash-0", amount_sun=1_000 * TRX, resource=ENERGY))
        assert first.status == tr.TREASURY_OPERATION_STATUS_BROADCAST
        server.kill9()
        assert frozen(client) == 0
        devnet.faults(drop_broadcast_rate=0.0)
        server = PaymentRPCProcess(tmp_path, extra_env=server.extra_env).start()
        stub = treasury(server)
        # The restarted server sends the same stored bytes again: the same txid lands, once.
        landed = wait_final(stub, first.operation_id)
        assert landed.status == tr.TREASURY_OPERATION_STATUS_CONFIRMED and landed.txid == first.txid
        assert frozen(client) == 1_000 * TRX
        replay = stub.Stake(tr.StakeRequest(idempotency_key="crash-0", amount_sun=1_000 * TRX, resource=ENERGY))
        assert replay.replayed and replay.operation_id == first.operation_id

        # kill -9 at random moments while stakes are being signed and sent, then retry each key.
        rng = random.Random(7)
        amounts = {f"crash-{n}": (n + 1) * 1_000 * TRX for n in range(1, 7)}
        for key, amount in amounts.items():
            target = server.target
            thread = threading.Thread(target=lambda: _try_stake(target, key, amount), daemon=True)
            thread.start()
            time.sleep(rng.uniform(0, 0.15))
            server.kill9()
            thread.join(timeout=10)
            server = PaymentRPCProcess(tmp_path, extra_env=server.extra_env).start()
        stub = treasury(server)
        operations = {}
        for key, amount in amounts.items():
            operation = stub.Stake(tr.StakeRequest(idempotency_key=key, amount_sun=amount, resource=ENERGY))
            operations[key] = wait_final(stub, operation.operation_id)
            assert operations[key].status == tr.TREASURY_OPERATION_STATUS_CONFIRMED, operations[key].failure_reason
        assert len({o.operation_id for o in operations.values()}) == len(amounts)
        assert frozen(client) == 1_000 * TRX + sum(amounts.values()), "exactly one freeze per key"
        for operation in operations.values():
            assert client.get_transaction(operation.txid)["raw_data"]["contract"][0]["type"] == "FreezeBalanceV2Contract"
    finally:
        server.stop()
        devnet.stop()


def _try_stake(target, key, amount):
    try:
        treasury_pb2_grpc.TreasuryServiceStub(grpc.insecure_channel(target)).Stake(
            tr.StakeRequest(idempotency_key=key, amount_sun=amount, resource=ENERGY), timeout=5)
    except grpc.RpcError:
        pass  # killed mid-call: the retry after the restart decides


def test_payctl_treasury_through_the_sidecar_with_a_client_certificate(tmp_path):
    """payctl reaches TreasuryService only through the sidecar, with a certificate of an identity that both the ACL
    (rule ops_treasury) and treasury.allowed_callers name; the breaker's operators and the gateway are refused."""
    from support.fullstack import full_stack
    from support.sidecar import make_certs

    _, devnet, server, sidecar, gateway = full_stack(
        tmp_path, rpc_env={"PAYMENT_RPC_TREASURY_ALLOWED_CALLERS": "ops/treasury-admin"})
    try:
        certs = make_certs(tmp_path / "certs", "ops/treasury-admin", "ops/payment-admin")

        def payctl(identity, *args):
            name = identity.replace("/", "-")
            return subprocess.run(
                [PAYCTL, "treasury", *args, "--sidecar", f"localhost:{sidecar.port}", "--cert",
                 str(certs / f"{name}.pem"), "--key", str(certs / f"{name}.key"), "--ca", str(certs / "ca.pem")],
                capture_output=True, text=True, timeout=120)

        status = payctl("ops/treasury-admin", "status")
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["hot_wallet"]["address"] == hot_address()
        estimate = payctl("ops/treasury-admin", "estimate", "--to", NEW_RECIPIENT, "--amount-units", "1000000")
        assert estimate.returncode == 0 and json.loads(estimate.stdout)["first_time_recipient"] is True
        staked = payctl("ops/treasury-admin", "stake", "--amount-sun", str(3 * TRX), "--idempotency-key", "mtls-1",
                        "--wait")
        assert staked.returncode == 0, staked.stderr
        operation = json.loads(staked.stdout)
        assert operation["status"] == "TREASURY_OPERATION_STATUS_CONFIRMED"
        assert operation["requested_by"] == "ops/treasury-admin"

        # The breaker's operators: the sidecar's ACL has no rule for them on TreasuryService.
        denied = payctl("ops/payment-admin", "status")
        assert denied.returncode != 0 and "permission" in (denied.stderr + denied.stdout).lower(), denied.stderr
        # The gateway's identity passes the ACL, but payment-rpc's own list does not name it here.
        admin = gateway.token("treasurer", "admin")
        code, _, body = gateway.request("GET", "/api/payment/treasury/wallet", admin)
        assert code == 403 and "treasury.allowed_callers" in body["message"], body
    finally:
        gateway.stop()
        sidecar.stop()
        server.stop()
        devnet.stop()
