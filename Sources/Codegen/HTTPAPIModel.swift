/// The HTTP API of a set of proto files, as the generator understands it: the middle stage between descriptors
/// (`DescriptorReader`) and text (`OpenAPIRenderer`, `ShimRenderer`). Plain values, sorted, so rendering is
/// deterministic.
public struct HTTPAPI: Sendable, Equatable {
    /// The API's name, the plugin's `title=` parameter (e.g. "payment"): the OpenAPI `info.title`, the stem of every
    /// output file name and, capitalised, of the generated type names (`PaymentRESTShim`).
    public var title: String
    /// Every HTTP binding of every RPC with a `google.api.http` rule, in proto order (files, services, methods; a
    /// method's additional bindings right after its main one).
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
    /// Where the request message comes from besides the path and the query.
    public enum Body: Sendable, Equatable {
        /// No `body` in the rule (as for GET and DELETE): every field not bound in the path is a query parameter.
        case none
        /// `body: "*"`: the whole request message.
        case whole
        /// `body: "field"`: one field of the request.
        case field(String)
    }

    /// The gRPC path, /package.Service/Method.
    public var grpcPath: String
    /// The proto service's full name ("lucid.payment.v1.PaymentService").
    public var service: String
    /// The RPC name; additional bindings get a numeric suffix.
    public var operationID: String
    /// get, post, put, patch, delete, or a custom verb.
    public var method: String
    /// The OpenAPI path ("/v1/{name}") and the template's variables.
    public var path: String
    /// The template's `{…}` variables in path order, each bound to a request field.
    public var pathParameters: [PathParameter]
    /// The request fields not bound by the path or the body, sent as query parameters (none when `body` is `.whole`).
    public var queryParameters: [FieldModel]
    /// What the HTTP body carries.
    public var body: Body
    /// `response_body`: the response field returned instead of the whole message.
    public var responseBody: String?
    /// The request message's full proto name.
    public var inputType: String
    /// The response message's full proto name.
    public var outputType: String
    /// The RPC's proto comment as plain text (paragraphs kept); the OpenAPI summary and description.
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
    /// The request field the variable binds, when it is a top-level field of the request; nil for a dotted path.
    public var field: FieldModel?
}

/// A proto message as the renderers need it: its fields in proto order, with their rules and Swift names.
public struct MessageModel: Sendable, Equatable {
    /// The full proto name ("lucid.payment.v1.BatchItem"); the key in `HTTPAPI.messages` and the schema name.
    public var fullName: String
    /// The Swift type swift-protobuf generates for it ("Lucid_Payment_V1_BatchItem").
    public var swiftName: String
    /// The message's proto comment as plain text; the schema description.
    public var comment: String
    /// Its fields in proto (declaration) order.
    public var fields: [FieldModel]
}

/// A message field as the renderers need it: proto and JSON names, type, rules, and swift-protobuf's names.
public struct FieldModel: Sendable, Equatable {
    /// The field's type: a scalar, an enum or a message by full proto name, or a map.
    public indirect enum Kind: Sendable, Equatable {
        case scalar(String)  // proto type name: int64, string, bool, bytes, double …
        /// An enum field, by the enum's full proto name (a key of `HTTPAPI.enums`).
        case enumeration(String)
        /// A message field, by the message's full proto name (a key of `HTTPAPI.messages`, unless well-known).
        case message(String)
        /// A map field: the key's scalar type name and the value's kind.
        case map(key: String, value: Kind)
    }

    /// The proto field name (snake_case): error paths and the constraint checks use it.
    public var name: String
    /// The proto3 JSON name (lowerCamelCase): the OpenAPI property and query parameter name.
    public var jsonName: String
    /// The field's type.
    public var kind: Kind
    /// Whether it is a repeated field (maps are not: they are `.map`).
    public var repeated: Bool
    /// The field's proto comment as plain text; the property description. A comment starting "Required." must come
    /// with `required: true` in the rules (the reader refuses it otherwise).
    public var comment: String
    /// `(lucid.api.v1.field)`: the field's rules (empty when it declares none).
    public var constraints: FieldConstraints
    /// The Swift property swift-protobuf generates for it, and its `has` property for message fields.
    public var swiftName: String
    /// The `has…` property swift-protobuf generates (message fields), which the presence checks read.
    public var swiftHasName: String
    /// Whether the field must be given (`required: true` in its rules).
    public var required: Bool { constraints.required }
}

/// A proto enum as the renderers need it: the JSON names of its values, in proto order.
public struct EnumModel: Sendable, Equatable {
    /// The full proto name ("lucid.payment.v1.PayoutStatus"); the key in `HTTPAPI.enums` and the schema name.
    public var fullName: String
    /// The enum's proto comment as plain text.
    public var comment: String
    /// The values in proto order: name (the proto3 JSON form), number, and comment.
    public var values: [(name: String, number: Int32, comment: String)]

    /// Equal by name, comment and the values' names and numbers; the values' comments are not compared.
    public static func == (lhs: EnumModel, rhs: EnumModel) -> Bool {
        lhs.fullName == rhs.fullName && lhs.comment == rhs.comment
            && lhs.values.map(\.name) == rhs.values.map(\.name) && lhs.values.map(\.number) == rhs.values.map(\.number)
    }
}
