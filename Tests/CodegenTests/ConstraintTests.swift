import Foundation
import SwiftProtobuf
import SwiftProtobufPluginLibrary
import Testing

@testable import Codegen

/// The constraint stage of the generator: reading `(lucid.api.v1.field)`, refusing rules that cannot hold, and the
/// exact-range pattern that bounds a 64-bit integer (a JSON string) in the OpenAPI document.
@Suite("request constraints in the generator")
struct ConstraintTests {
    @Test(
        "the integer pattern matches exactly the decimals in range",
        arguments: [
            (Int64(0), Int64(0)), (1, 9), (0, 100), (7, 4321), (13, 13), (99, 1000), (1, 100_000), (-25, 7),
            (-300, -12),
        ])
    func smallRanges(minimum: Int64, maximum: Int64) throws {
        let regex = try Regex(IntegerPattern.regex(minimum: minimum, maximum: maximum))
        for value in (minimum - 150)...(maximum + 150) {
            let matches = (try? regex.wholeMatch(in: String(value))) != nil
            #expect(matches == (minimum...maximum).contains(value), "\(value) in \(minimum)...\(maximum)")
        }
        #expect((try? regex.wholeMatch(in: "0\(maximum)")) == nil || maximum < 0, "no leading zeros")
        #expect((try? regex.wholeMatch(in: "+\(maximum)")) == nil, "no plus sign")
    }

    @Test("the whole positive int64 range, at its edges")
    func int64Edges() throws {
        let regex = try Regex(IntegerPattern.regex(minimum: 1, maximum: .max))
        for value: Int64 in [1, 9, 10, 999_999_999_999_999_999, 1_000_000_000_000_000_000, .max - 1, .max] {
            #expect((try? regex.wholeMatch(in: String(value))) != nil, "\(value)")
        }
        for text in ["0", "-1", "9223372036854775808", "9999999999999999999", "10000000000000000000", ""] {
            #expect((try? regex.wholeMatch(in: text)) == nil, "\(text)")
        }
    }

    static func file(field: Google_Protobuf_FieldDescriptorProto, comment: String = "") -> [FileDescriptor] {
        var file = Google_Protobuf_FileDescriptorProto()
        file.name = "t.proto"
        file.package = "t"
        file.syntax = "proto3"
        file.messageType = [
            .with {
                $0.name = "Req"; $0.field = [field]
            }
        ]
        file.service = [
            .with {
                $0.name = "S"
                $0.method = [
                    .with {
                        $0.name = "M"
                        $0.inputType = ".t.Req"
                        $0.outputType = ".t.Req"
                        $0.options = .with {
                            $0.Google_Api_http = .with {
                                $0.post = "/m"; $0.body = "*"
                            }
                        }
                    }
                ]
            }
        ]
        if !comment.isEmpty {
            file.sourceCodeInfo = .with {
                $0.location = [
                    .with {
                        $0.path = [4, 0, 2, 0]; $0.span = [0, 0, 1]; $0.leadingComments = comment
                    }
                ]
            }
        }
        return [DescriptorSet(protos: [file]).fileDescriptor(named: "t.proto")!]
    }

    static func string(_ rules: Lucid_Api_V1_FieldRules?) -> Google_Protobuf_FieldDescriptorProto {
        .with {
            $0.name = "text"
            $0.jsonName = "text"
            $0.number = 1
            $0.type = .string
            $0.label = .optional
            if let rules { $0.options = .with { $0.Lucid_Api_V1_field = rules } }
        }
    }

    @Test("refused: a request string without a maximum, a Required. comment without the rule, rules of the wrong type")
    func refusals() {
        func failure(_ files: [FileDescriptor]) -> String {
            do {
                _ = try DescriptorReader.read(files: files, title: "t")
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(failure(Self.file(field: Self.string(nil))).contains("needs (lucid.api.v1.field).max_length"))
        #expect(
            failure(Self.file(field: Self.string(.with { $0.maxLength = 5 }), comment: " Required. A text.\n"))
                .contains("without (lucid.api.v1.field).required"))
        #expect(
            failure(
                Self.file(
                    field: Self.string(
                        .with {
                            $0.maxLength = 5; $0.minimum = 1
                        }))
            ).contains("integer fields only"))
        #expect(
            failure(
                Self.file(
                    field: Self.string(
                        .with {
                            $0.maxLength = 5; $0.pattern = "[a-z]+"
                        }))
            ).contains("anchored"))
        #expect(
            failure(
                Self.file(
                    field: Self.string(
                        .with {
                            $0.maxLength = 5; $0.pattern = "^(+$"
                        }))
            ).contains("not a valid"))
        #expect(
            failure(
                Self.file(
                    field: Self.string(
                        .with {
                            $0.minLength = 6; $0.maxLength = 5
                        }))
            ).contains("above"))
        #expect(
            failure(
                Self.file(
                    field: Self.string(
                        .with {
                            $0.maxLength = 5; $0.required = true
                        }))
            ).isEmpty)
    }

    @Test("the payment API: every request string and repeated field has a maximum, and the model says so")
    func paymentModel() throws {
        let input = try GoldenTests().files(
            "payment.pb", ["lucid/payment/v1/payment.proto", "lucid/payment/v1/admin.proto"])
        let api = try DescriptorReader.read(files: input, title: "payment")
        #expect(
            api.requestMessages.contains("lucid.payment.v1.BatchItem")
                && api.requestMessages.contains("lucid.payment.v1.KycAttestation"))
        #expect(!api.requestMessages.contains("lucid.payment.v1.Payout"), "responses are not checked")
        let address = api.messages["lucid.payment.v1.CreatePayoutRequest"]?.fields.first {
            $0.name == "recipient_address"
        }
        #expect(
            address?.constraints.minLength == 34 && address?.constraints.maxLength == 34 && address?.required == true)
        #expect(api.operations.allSatisfy { $0.maxRequestBytes != nil }, "every RPC declares its size")
    }
}
