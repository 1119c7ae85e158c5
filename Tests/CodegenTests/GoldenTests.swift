import Foundation
import SwiftProtobuf
import SwiftProtobufPluginLibrary
import Testing

@testable import Codegen

/// Golden tests: the generator runs on committed descriptor sets (`protoc --descriptor_set_out`, so no protoc is
/// needed here) and must reproduce the committed documents byte for byte, every time.
@Suite("protoc-gen-lucid-rest golden files")
struct GoldenTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func files(_ descriptorSet: String, _ names: [String]) throws -> [FileDescriptor] {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent(descriptorSet))
        var extensions = SimpleExtensionMap()
        extensions.insert(contentsOf: DescriptorReader.extensions)
        let set = try Google_Protobuf_FileDescriptorSet(serializedBytes: data, extensions: extensions)
        let descriptors = DescriptorSet(protos: set.file)
        return try names.map { name in try #require(descriptors.fileDescriptor(named: name)) }
    }

    func golden(_ name: String) throws -> String {
        try String(contentsOf: Self.fixtures.appendingPathComponent(name), encoding: .utf8)
    }

    static let paymentRates =
        "CreatePayout:10;GetPayout:60;ListPayouts:30;CancelPayout:10;CreateBatch:5;GetBatch:60;GetTransactionStatus:60;BatchGetTransactionStatus:30;GetStats:20;GetBreaker:20;TripBreaker:5;ResetBreaker:5;"
        + "GetHotWallet:20;GetNetwork:20;EstimatePayoutCost:20;Stake:5;Unstake:5;WithdrawUnstaked:5;DelegateResource:5;"
        + "UndelegateResource:5;GetTreasuryOperation:30"

    @Test("the payment API's OpenAPI document, JSON and YAML, byte for byte and deterministic")
    func payment() throws {
        let input = try files(
            "payment.pb",
            ["lucid/payment/v1/payment.proto", "lucid/payment/v1/admin.proto", "lucid/payment/v1/treasury.proto"])
        let first = try RESTGeneration.render(files: input, title: "payment", rateLimits: Self.paymentRates)
        let second = try RESTGeneration.render(files: input, title: "payment", rateLimits: Self.paymentRates)
        #expect(first.map(\.1) == second.map(\.1), "same input, same bytes")
        #expect(
            first.map(\.0) == [
                "payment.openapi.json", "payment.openapi.yaml", "payment.rest.swift", "payment.constraints.swift",
            ])
        for (name, contents) in first.prefix(2) {
            #expect(contents == (try golden(name)), "\(name) differs from the golden file")
        }
        // The shim's golden file is the one the gateway compiles.
        let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/PaymentGateway/Generated/payment.rest.swift")
        #expect(
            first[2].1 == (try String(contentsOf: committed, encoding: .utf8)), "the committed gateway shim is stale")
        // So are the request checks payment-rpc compiles.
        let checks = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/PaymentAPI/Generated/payment.constraints.swift")
        #expect(
            first[3].1 == (try String(contentsOf: checks, encoding: .utf8)), "the committed request checks are stale")
    }

    @Test(
        "every google.api.http form: verbs, custom, {field=pattern}, body field and *, response_body, additional bindings"
    )
    func httpForms() throws {
        let input = try files("http_forms.pb", ["http_forms.proto"])
        let outputs = try RESTGeneration.render(
            files: input, title: "http_forms", rateLimits: "GetBook:60;CreateBook:10")
        for (name, contents) in outputs {
            #expect(contents == (try golden(name)), "\(name) differs from the golden file")
        }

        let api = try DescriptorReader.read(files: input, title: "t")
        let byID = Dictionary(uniqueKeysWithValues: api.operations.map { ($0.operationID, $0) })
        #expect(byID.count == 8, "7 bound RPCs plus one additional binding; Internal has no rule")
        #expect(byID["GetBook"]?.path == "/v1/{name}")
        #expect(byID["GetBook"]?.pathParameters.first?.pattern == "shelves/*/books/*")
        #expect(byID["GetBook"]?.queryParameters.map(\.name) == ["with_cover"])
        #expect(byID["CreateBook"]?.body == .field("book"))
        #expect(byID["CreateBook"]?.queryParameters.map(\.name) == ["idempotency_key"])
        #expect(byID["CreateBook"]?.idempotencyKeyField == "idempotency_key")
        #expect(byID["UpdateBook"]?.body == .whole && byID["UpdateBook"]?.queryParameters.isEmpty == true)
        #expect(byID["PatchBook2"]?.path == "/v2/books/{id}" && byID["PatchBook2"]?.body == .whole)
        #expect(byID["DeleteBook"]?.method == "delete")
        #expect(byID["ListBooks"]?.responseBody == "books")
        #expect(byID["ArchiveBook"]?.method == "archive")
        #expect(
            api.messages["codegen.test.v1.Book"]?.fields.first { $0.name == "published_at" }?.jsonName == "publishedAt")
    }

    @Test("proto3 JSON mapping of field types")
    func schemas() throws {
        let input = try files("http_forms.pb", ["http_forms.proto"])
        let renderer = OpenAPIRenderer(api: try DescriptorReader.read(files: input, title: "t"))
        let book = renderer.messageSchema(renderer.api.messages["codegen.test.v1.Book"]!).json()
        // A bounded int64: a decimal string (proto3 JSON's form) or an exact JSON number, both within the range.
        #expect(
            book.contains(
                "\"pages\": {\n      \"oneOf\": [\n        {\n          \"type\": \"string\",\n          \"format\": \"int64\""
            ))
        #expect(book.contains("\"minimum\": 1,\n          \"maximum\": 100000"))
        #expect(book.contains("\"format\": \"date-time\""))
        #expect(book.contains("\"additionalProperties\": {\n        \"type\": \"string\""))
        #expect(book.contains("\"format\": \"byte\""))
        #expect(book.contains("\"required\": [\n    \"id\"\n  ]"), "required comes from (lucid.api.v1.field).required")
        #expect(book.contains("\"additionalProperties\": false"), "unknown JSON fields are refused")
    }

    @Test("YAML quoting keeps every string exact")
    func yamlQuoting() {
        let value = DocumentValue.object([
            ("a: b", .string("line\n\"quoted\" \\ \u{1}")), ("list", .array([.integer(1), .bool(true)])),
        ])
        #expect(value.yaml() == "\"a: b\": \"line\\n\\\"quoted\\\" \\\\ \\u0001\"\n\"list\":\n  - 1\n  - true\n")
    }
}
