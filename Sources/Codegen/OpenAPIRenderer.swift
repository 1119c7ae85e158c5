/// Stage 2a: `HTTPAPI` → an OpenAPI 3.0.3 document (JSON and YAML, same content). Schemas follow the proto3 JSON
/// mapping: 64-bit integers as strings, enums as names, Timestamp as RFC 3339, field names in lowerCamelCase.
/// `required` comes from `(lucid.api.v1.field).required`; `DescriptorReader` refuses a field whose comment starts
/// with "Required." without it.
public struct OpenAPIRenderer {
    /// What the document says that the protos cannot: rate limits and the API version.
    public struct Options: Sendable {
        /// Requests per minute per principal, by RPC name (`x-rate-limit` and the 429 description).
        public var rateLimits: [String: Int] = [:]
        /// The `info.version` of the document.
        public var version = "v1"
        /// No rate limits, version "v1".
        public init() {}
    }

    let api: HTTPAPI
    let options: Options

    /// A renderer of `api`; `document()` does the work.
    public init(api: HTTPAPI, options: Options = Options()) {
        self.api = api
        self.options = options
    }

    /// gRPC status → HTTP status, as grpc-gateway maps them; every operation documents these error responses.
    public static let errorResponses: [(status: String, description: String)] = [
        ("400", "INVALID_ARGUMENT or OUT_OF_RANGE: the request is wrong; `message` names the field"),
        ("401", "UNAUTHENTICATED: no valid bearer token"),
        ("403", "PERMISSION_DENIED: the caller's role may not do this"),
        ("404", "NOT_FOUND"),
        (
            "409",
            "FAILED_PRECONDITION, ALREADY_EXISTS or ABORTED: the request conflicts with stored state (an idempotency key used for another request, a payout already signed)"
        ),
        ("429", "RESOURCE_EXHAUSTED: a rate limit or a payout limit; `message` names it"),
        ("500", "INTERNAL or UNKNOWN"),
        ("503", "UNAVAILABLE: try again later"),
        ("504", "DEADLINE_EXCEEDED"),
    ]

    /// The whole OpenAPI 3.0.3 document: paths sorted, operations by method, schemas (`lucid.Error` first, then
    /// messages and enums by full name). Pure and deterministic; render it with `json()` or `yaml()`.
    public func document() -> DocumentValue {
        var paths: [(String, DocumentValue)] = []
        let byPath = Dictionary(grouping: api.operations, by: \.path)
        for path in byPath.keys.sorted() {
            let operations = byPath[path]!.sorted {
                (Self.methodOrder($0.method), $0.method, $0.operationID) < (
                    Self.methodOrder($1.method), $1.method, $1.operationID
                )
            }
            // OpenAPI has no custom HTTP methods: a google.api.http `custom` binding is kept as an x-custom-<kind>
            // extension of its path item.
            paths.append(
                (
                    path,
                    .object(
                        operations.map {
                            (
                                Self.standardMethods.contains($0.method) ? $0.method : "x-custom-\($0.method)",
                                operation($0)
                            )
                        })
                ))
        }
        var schemas: [(String, DocumentValue)] = [("lucid.Error", errorSchema)]
        for name in api.messages.keys.sorted() { schemas.append((name, messageSchema(api.messages[name]!))) }
        for name in api.enums.keys.sorted() { schemas.append((name, enumSchema(api.enums[name]!))) }
        return .object([
            ("openapi", .string("3.0.3")),
            (
                "info",
                .object([
                    ("title", .string(api.title)), ("version", .string(options.version)),
                    ("description", .string("Generated from the proto files by protoc-gen-lucid-rest. DO NOT EDIT.")),
                ])
            ),
            ("security", .array([.object([("bearerAuth", .array([]))])])),
            ("paths", .object(paths)),
            (
                "components",
                .object([
                    (
                        "securitySchemes",
                        .object([
                            (
                                "bearerAuth",
                                .object([
                                    ("type", .string("http")), ("scheme", .string("bearer")),
                                    ("bearerFormat", .string("JWT")),
                                ])
                            )
                        ])
                    ),
                    ("schemas", .object(schemas)),
                ])
            ),
        ])
    }

    func operation(_ operation: HTTPOperation) -> DocumentValue {
        var members: [(String, DocumentValue)] = [
            ("operationId", .string(operation.operationID)),
            ("summary", .string(Self.firstSentence(operation.comment))),
            ("description", .string(description(of: operation))),
            (
                "tags",
                .array([.string(operation.service.split(separator: ".").last.map(String.init) ?? operation.service)])
            ),
        ]
        var parameters: [DocumentValue] = operation.pathParameters.map { parameter in
            var schema = parameter.field.map(fieldSchema) ?? .object([("type", .string("string"))])
            if let pattern = parameter.pattern, case .object(var schemaMembers) = schema {
                schemaMembers.append(("description", .string("matches the path pattern \(pattern)")))
                schema = .object(schemaMembers)
            }
            return .object([
                ("name", .string(parameter.fieldPath)), ("in", .string("path")), ("required", .bool(true)),
                ("description", .string(parameter.field?.comment ?? "")), ("schema", schema),
            ])
        }
        parameters += operation.queryParameters.filter(Self.isQueryable).map { field in
            .object([
                ("name", .string(field.jsonName)), ("in", .string("query")), ("required", .bool(field.required)),
                ("description", .string(field.comment)), ("schema", fieldSchema(field)),
            ])
        }
        if !parameters.isEmpty { members.append(("parameters", .array(parameters))) }
        switch operation.body {
        case .none: break
        case .whole:
            // Fields bound by the path are taken from the path, so the body of such an operation is the message
            // without them (inline); the gateway refuses them in the body.
            let bound = Set(
                operation.pathParameters.map {
                    $0.fieldPath.split(separator: ".").first.map(String.init) ?? $0.fieldPath
                })
            var schema = reference(operation.inputType)
            if !bound.isEmpty, var message = api.messages[operation.inputType] {
                message.fields.removeAll { bound.contains($0.name) }
                schema = messageSchema(message)
            }
            members.append(
                (
                    "requestBody",
                    .object([
                        ("required", .bool(true)),
                        ("content", .object([("application/json", .object([("schema", schema)]))])),
                    ])
                ))
        case .field(let name):
            let field = api.messages[operation.inputType]?.fields.first { $0.name == name }
            members.append(
                (
                    "requestBody",
                    .object([
                        ("required", .bool(true)),
                        (
                            "content",
                            .object([("application/json", .object([("schema", field.map(fieldSchema) ?? .object([]))]))]
                            )
                        ),
                    ])
                ))
        }
        let responseSchema: DocumentValue
        if let responseBody = operation.responseBody,
            let field = api.messages[operation.outputType]?.fields.first(where: { $0.name == responseBody })
        {
            responseSchema = fieldSchema(field)
        } else {
            responseSchema = reference(operation.outputType)
        }
        var responses: [(String, DocumentValue)] = [
            (
                "200",
                .object([
                    ("description", .string("OK")),
                    ("content", .object([("application/json", .object([("schema", responseSchema)]))])),
                ])
            )
        ]
        for (status, text) in Self.errorResponses {
            var description = text
            if status == "429", let limit = options.rateLimits[operation.operationID] {
                description += "; at most \(limit) requests a minute per principal, see the Retry-After header"
            }
            responses.append(
                (
                    status,
                    .object([
                        ("description", .string(description)),
                        ("content", .object([("application/json", .object([("schema", reference("lucid.Error"))]))])),
                    ])
                ))
        }
        members.append(("responses", .object(responses)))
        if let limit = options.rateLimits[operation.operationID] {
            members.append(("x-rate-limit", .object([("requests", .integer(limit)), ("period", .string("1m"))])))
        }
        members.append(("x-grpc-method", .string(operation.grpcPath)))
        return .object(members)
    }

    func description(of operation: HTTPOperation) -> String {
        var text = operation.comment
        if operation.idempotencyKeyField != nil {
            text +=
                "\n\nIdempotency: `idempotencyKey` is required. Repeating a request with the same key returns the first result; the same key with a different request is refused (409, FAILED_PRECONDITION)."
        }
        return text
    }

    static func isQueryable(_ field: FieldModel) -> Bool {
        switch field.kind {
        case .scalar, .enumeration: true
        case .message(let name): name == "google.protobuf.Timestamp" || name == "google.protobuf.Duration"
        case .map: false
        }
    }

    func messageSchema(_ message: MessageModel) -> DocumentValue {
        var members: [(String, DocumentValue)] = [("type", .string("object"))]
        if !message.comment.isEmpty { members.append(("description", .string(message.comment))) }
        let required = message.fields.filter(\.required).map { DocumentValue.string($0.jsonName) }
        if !required.isEmpty { members.append(("required", .array(required))) }
        members.append(("properties", .object(message.fields.map { ($0.jsonName, fieldSchema($0)) })))
        members.append(("additionalProperties", .bool(false)))
        return .object(members)
    }

    func enumSchema(_ model: EnumModel) -> DocumentValue {
        var description = model.comment
        for value in model.values where !value.comment.isEmpty { description += "\n- \(value.name): \(value.comment)" }
        // proto3 JSON takes an enum by name or by number; responses always carry the name.
        return .object([
            ("description", .string(description)),
            (
                "oneOf",
                .array([
                    .object([("type", .string("string")), ("enum", .array(model.values.map { .string($0.name) }))]),
                    .object([
                        ("type", .string("integer")), ("enum", .array(model.values.map { .integer(Int($0.number)) })),
                    ]),
                ])
            ),
        ])
    }

    func fieldSchema(_ field: FieldModel) -> DocumentValue {
        var schema = Self.constrained(kindSchema(field.kind), field.kind, field.constraints)
        let rules = field.constraints
        if field.repeated {
            var members: [(String, DocumentValue)] = [("type", .string("array")), ("items", schema)]
            if let minimum = rules.minItems { members.append(("minItems", .integer(minimum))) }
            if let maximum = rules.maxItems { members.append(("maxItems", .integer(maximum))) }
            schema = .object(members)
        } else if case .map = field.kind, case .object(var members) = schema {
            if let minimum = rules.minItems { members.append(("minProperties", .integer(minimum))) }
            if let maximum = rules.maxItems { members.append(("maxProperties", .integer(maximum))) }
            schema = .object(members)
        }
        guard !field.comment.isEmpty else { return schema }
        if case .object(var members) = schema, !members.contains(where: { $0.0 == "$ref" }) {
            members.append(("description", .string(field.comment)))
            return .object(members)
        }
        return .object([("allOf", .array([schema])), ("description", .string(field.comment))])
    }

    /// A scalar's schema with the field's per-value rules: lengths and pattern for strings, minimum and maximum for
    /// JSON integers, and for 64-bit integers (JSON strings) a pattern matching exactly the decimals in the range.
    static func constrained(_ schema: DocumentValue, _ kind: FieldModel.Kind, _ rules: FieldConstraints)
        -> DocumentValue
    {
        guard case .object(var members) = schema, !members.contains(where: { $0.0 == "$ref" }) else { return schema }
        switch kind {
        case .scalar("string"):
            if let minimum = rules.minLength { members.append(("minLength", .integer(minimum))) }
            if let maximum = rules.maxLength { members.append(("maxLength", .integer(maximum))) }
            if let pattern = rules.pattern { members.append(("pattern", .string(pattern))) }
            if let format = rules.format { members.append(("format", .string(format))) }
        case .scalar("int32"), .scalar("sint32"), .scalar("sfixed32"), .scalar("uint32"), .scalar("fixed32"):
            if let minimum = rules.minimum {
                members.removeAll { $0.0 == "minimum" }
                members.append(("minimum", .integer(Int(minimum))))
            }
            if let maximum = rules.maximum { members.append(("maximum", .integer(Int(maximum)))) }
        case .scalar("int64"), .scalar("sint64"), .scalar("sfixed64"), .scalar("uint64"), .scalar("fixed64"):
            if rules.minimum != nil || rules.maximum != nil {
                // proto3 JSON takes a 64-bit integer as a decimal string or as a JSON number, so the document
                // states both: the string within the range, and the number within the range and within what a JSON
                // number carries exactly (±2^53), beyond which the string form must be used.
                let unsigned = kind == .scalar("uint64") || kind == .scalar("fixed64")
                let minimum = rules.minimum ?? (unsigned ? 0 : .min)
                let maximum = rules.maximum ?? .max
                members.append(("pattern", .string(IntegerPattern.regex(minimum: minimum, maximum: maximum))))
                let exact: Int64 = 1 << 53
                let number: DocumentValue = .object([
                    ("type", .string("integer")), ("format", .string("int64")),
                    ("minimum", .integer(Int(max(minimum, -exact)))), ("maximum", .integer(Int(min(maximum, exact)))),
                ])
                return .object([("oneOf", .array([.object(members), number]))])
            }
        default: break
        }
        return .object(members)
    }

    func kindSchema(_ kind: FieldModel.Kind) -> DocumentValue {
        switch kind {
        case .scalar(let type):
            switch type {
            case "int64", "sint64", "sfixed64":
                return .object([("type", .string("string")), ("format", .string("int64"))])
            case "uint64", "fixed64": return .object([("type", .string("string")), ("format", .string("uint64"))])
            case "int32", "sint32", "sfixed32":
                return .object([("type", .string("integer")), ("format", .string("int32"))])
            case "uint32", "fixed32":
                return .object([("type", .string("integer")), ("format", .string("int64")), ("minimum", .integer(0))])
            case "double": return .object([("type", .string("number")), ("format", .string("double"))])
            case "float": return .object([("type", .string("number")), ("format", .string("float"))])
            case "bool": return .object([("type", .string("boolean"))])
            case "bytes": return .object([("type", .string("string")), ("format", .string("byte"))])
            default: return .object([("type", .string("string"))])
            }
        case .enumeration(let name): return reference(name)
        case .message(let name):
            switch name {
            case "google.protobuf.Timestamp":
                // RFC 3339 as proto3 JSON parsers take it: years 0001-9999, upper-case T and Z, offsets to ±13:59.
                return .object([
                    ("type", .string("string")), ("format", .string("date-time")),
                    ("pattern", .string(Self.timestampPattern)),
                ])
            case "google.protobuf.Duration", "google.protobuf.FieldMask": return .object([("type", .string("string"))])
            case "google.protobuf.Empty", "google.protobuf.Struct", "google.protobuf.Any":
                return .object([("type", .string("object"))])
            default: return reference(name)
            }
        case .map(_, let value):
            return .object([("type", .string("object")), ("additionalProperties", kindSchema(value))])
        }
    }

    static let timestampPattern =
        "^(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]{1,9})?(?:Z|[+-](?:0[0-9]|1[0-3]):[0-5][0-9])$"

    func reference(_ name: String) -> DocumentValue { .object([("$ref", .string("#/components/schemas/\(name)"))]) }

    var errorSchema: DocumentValue {
        .object([
            ("type", .string("object")),
            ("description", .string("The error body of every non-2xx answer.")),
            ("required", .array([.string("code"), .string("message")])),
            (
                "properties",
                .object([
                    (
                        "code",
                        .object([
                            ("type", .string("integer")), ("format", .string("int32")),
                            ("description", .string("The gRPC status code.")),
                        ])
                    ),
                    (
                        "message",
                        .object([
                            ("type", .string("string")),
                            ("description", .string("What was wrong; names the field or limit.")),
                        ])
                    ),
                    (
                        "details",
                        .object([("type", .string("array")), ("items", .object([("type", .string("object"))]))])
                    ),
                ])
            ),
        ])
    }

    static let standardMethods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    static func methodOrder(_ method: String) -> Int {
        ["get", "put", "post", "delete", "patch"].firstIndex(of: method) ?? 9
    }

    static func firstSentence(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        if let end = flat.range(of: ". ") { return String(flat[..<end.lowerBound]) + "." }
        return flat
    }
}
