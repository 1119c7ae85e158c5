/// The HTTP API of a set of proto files, as the generator understands it: the middle stage between descriptors
/// (`DescriptorReader`) and text (`OpenAPIRenderer`, `ShimRenderer`). Plain values, sorted, so rendering is
/// deterministic.
public struct HTTPAPI: Sendable, Equatable {
    public var title: String
    public var operations: [HTTPOperation]
    /// Every message reachable from an operation, by full proto name.
    public var messages: [String: MessageModel]
    /// Every enum reachable from an operation, by full proto name.
    public var enums: [String: EnumModel]
    /// The messages a request can carry (inputs and the messages inside them), sorted full names: the ones the
    /// server's constraint checks cover.
    public var requestMessages: [String]
}

/// One HTTP binding of one RPC.
public struct HTTPOperation: Sendable, Equatable {
    public enum Body: Sendable, Equatable {
        case none
        /// `body: "*"`: the whole request message.
        case whole
        /// `body: "field"`: one field of the request.
        case field(String)
    }

    /// The gRPC path, /package.Service/Method.
    public var grpcPath: String
    public var service: String
    /// The RPC name; additional bindings get a numeric suffix.
    public var operationID: String
    /// get, post, put, patch, delete, or a custom verb.
    public var method: String
    /// The OpenAPI path ("/v1/{name}") and the template's variables.
    public var path: String
    public var pathParameters: [PathParameter]
    public var queryParameters: [FieldModel]
    public var body: Body
    /// `response_body`: the response field returned instead of the whole message.
    public var responseBody: String?
    public var inputType: String
    public var outputType: String
    public var comment: String
    /// The idempotency key field, when the request has one ("idempotency_key").
    public var idempotencyKeyField: String?
    /// `(lucid.api.v1.method).max_request_bytes`: the largest request message the RPC accepts.
    public var maxRequestBytes: Int?
}

/// A `{field}` or `{field=pattern}` path variable.
public struct PathParameter: Sendable, Equatable {
    /// The request field path (may be dotted).
    public var fieldPath: String
    /// The pattern, when the template gives one ("shelves/*").
    public var pattern: String?
    public var field: FieldModel?
}

public struct MessageModel: Sendable, Equatable {
    public var fullName: String
    /// The Swift type swift-protobuf generates for it ("Lucid_Payment_V1_BatchItem").
    public var swiftName: String
    public var comment: String
    public var fields: [FieldModel]
}

public struct FieldModel: Sendable, Equatable {
    public indirect enum Kind: Sendable, Equatable {
        case scalar(String)  // proto type name: int64, string, bool, bytes, double …
        case enumeration(String)
        case message(String)
        case map(key: String, value: Kind)
    }

    public var name: String
    public var jsonName: String
    public var kind: Kind
    public var repeated: Bool
    public var comment: String
    /// `(lucid.api.v1.field)`: the field's rules (empty when it declares none).
    public var constraints: FieldConstraints
    /// The Swift property swift-protobuf generates for it, and its `has` property for message fields.
    public var swiftName: String
    public var swiftHasName: String
    /// Whether the field must be given (`required: true` in its rules).
    public var required: Bool { constraints.required }
}

public struct EnumModel: Sendable, Equatable {
    public var fullName: String
    public var comment: String
    public var values: [(name: String, number: Int32, comment: String)]

    public static func == (lhs: EnumModel, rhs: EnumModel) -> Bool {
        lhs.fullName == rhs.fullName && lhs.comment == rhs.comment
            && lhs.values.map(\.name) == rhs.values.map(\.name) && lhs.values.map(\.number) == rhs.values.map(\.number)
    }
}
