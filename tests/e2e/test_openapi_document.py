"""The generated OpenAPI documents validate as OpenAPI 3.0 (openapi-spec-validator, an independent checker), and
the JSON and YAML forms say the same thing."""
import json

import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from support.paths import ROOT

DOCUMENTS = [ROOT / "openapi" / "payment.openapi.json", ROOT / "openapi" / "payment.openapi.yaml",
             ROOT / "Tests" / "CodegenTests" / "Fixtures" / "http_forms.openapi.yaml"]


def test_documents_validate():
    for path in DOCUMENTS:
        document, _ = read_from_filename(str(path))
        validate(document)


def test_json_and_yaml_agree_and_cover_the_api():
    as_json = json.loads(DOCUMENTS[0].read_text())
    assert as_json == yaml.safe_load(DOCUMENTS[1].read_text())
    operations = {op["operationId"] for item in as_json["paths"].values() for op in item.values()}
    assert {"CreatePayout", "GetPayout", "ListPayouts", "CancelPayout", "CreateBatch", "GetBatch", "GetTransactionStatus",
            "BatchGetTransactionStatus", "GetStats", "GetBreaker", "TripBreaker", "ResetBreaker", "GetHotWallet",
            "GetNetwork", "EstimatePayoutCost", "Stake", "Unstake", "WithdrawUnstaked", "DelegateResource",
            "UndelegateResource", "GetTreasuryOperation"} == operations
    stake = as_json["paths"]["/api/payment/treasury/stake"]["post"]
    assert stake["x-rate-limit"] == {"requests": 5, "period": "1m"}
    assert {"idempotencyKey", "amountSun"} <= set(
        as_json["components"]["schemas"]["lucid.payment.v1.StakeRequest"]["required"])
    create = as_json["paths"]["/api/payment/payouts"]["post"]
    assert create["x-rate-limit"] == {"requests": 10, "period": "1m"}
    assert "Idempotency" in create["description"]
    assert "idempotencyKey" in as_json["components"]["schemas"]["lucid.payment.v1.CreatePayoutRequest"]["required"]
