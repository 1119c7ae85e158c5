import Foundation
import SwiftProtobuf
import SwiftProtobufPluginLibrary

/// Stage 1: proto descriptors → `HTTPAPI`. Reads every method's `google.api.http` rule (get/put/post/delete/patch/
/// custom, path templates with `{field}` and `{field=pattern}`, `body`, `response_body`, `additional_bindings`).
public enum DescriptorReader {
    /// Why the protos cannot be rendered, naming the proto element ("lucid.payment.v1.X.y: …"); protoc shows it.
    public struct Failure: Error, CustomStringConvertible {
        /// The message protoc prints: the full name of the method or field at fault and what is wrong.
        public var description: String
    }

    /// The extensions protoc must decode for us: the HTTP rules and the request constraints.
    public static let extensions: [any AnyMessageExtension] = [
        Google_Api_Extensions_http, Lucid_Api_V1_Extensions_field, Lucid_Api_V1_Extensions_method,
    ]

    static var namer: SwiftProtobufNamer { SwiftProtobufNamer() }

    /// Builds the model of every RPC with a `google.api.http` rule in `files`. Throws `Failure` (or the constraint
    /// reader's failure) for a binding without a pattern, a bad path template, a body that is not a field, a
    /// request string without `max_length` or repeated field without `max_items`, rules that do not fit the
    /// field's type, and a "Required." comment without `required: true`.
    public static func read(files: [FileDescriptor], title: String) throws -> HTTPAPI {
        var operations: [HTTPOperation] = []
        var messages: [String: MessageModel] = [:]
        var enums: [String: EnumModel] = [:]
        var requests: [String] = []
        for file in files {
            for service in file.services {
                for method in service.methods where method.options.hasGoogle_Api_http {
                    let rule = method.options.Google_Api_http
                    let bindings = [rule] + rule.additionalBindings
                    for (index, binding) in bindings.enumerated() {
                        operations.append(try operation(method, service: service, binding: binding, index: index))
                    }
                    if let input = method.inputType {
                        try collect(input, into: &messages, enums: &enums)
                        try requireBounds(input, seen: &requests)
                    }
                    if let output = method.outputType { try collect(output, into: &messages, enums: &enums) }
                }
            }
        }
        return HTTPAPI(
            title: title, operations: operations, messages: messages, enums: enums, requestMessages: requests.sorted())
    }

    /// Every string and repeated field a request can carry must declare its maximum, so no request holds unbounded
    /// work; `seen` collects the request messages (full names) for the server's checks.
    static func requireBounds(_ message: Descriptor, seen: inout [String]) throws {
        guard !message.fullName.hasPrefix("google.protobuf."), !seen.contains(message.fullName) else { return }
        seen.append(message.fullName)
        for descriptor in message.fields {
            let constraints = try FieldConstraints.read(descriptor)
            if descriptor.type == .string, constraints.maxLength == nil {
                throw Failure(
                    description: "\(descriptor.fullName): a request string needs (lucid.api.v1.field).max_length")
            }
            if descriptor.isRepeated, constraints.maxItems == nil {
                throw Failure(
                    description: "\(descriptor.fullName): a repeated request field needs (lucid.api.v1.field).max_items"
                )
            }
            if let type = descriptor.messageType, !descriptor.isMap { try requireBounds(type, seen: &seen) }
        }
    }

    static func operation(
        _ method: MethodDescriptor, service: ServiceDescriptor, binding: Google_Api_HttpRule, index: Int
    ) throws -> HTTPOperation {
        let (verb, template): (String, String)
        switch binding.pattern {
        case .get(let path): (verb, template) = ("get", path)
        case .put(let path): (verb, template) = ("put", path)
        case .post(let path): (verb, template) = ("post", path)
        case .delete(let path): (verb, template) = ("delete", path)
        case .patch(let path): (verb, template) = ("patch", path)
        case .custom(let custom): (verb, template) = (custom.kind.lowercased(), custom.path)
        case nil: throw Failure(description: "\(method.fullName): google.api.http rule without a pattern")
        }
        let (path, variables) = try parse(template: template, method: method)
        guard let input = method.inputType, let output = method.outputType else {
            throw Failure(description: "\(method.fullName): input or output type not resolved")
        }
        let pathParameters = try variables.map { variable in
            PathParameter(
                fieldPath: variable.field, pattern: variable.pattern,
                field: try input.fields.first { $0.name == variable.field }.map(field))
        }
        let body: HTTPOperation.Body
        switch binding.body {
        case "": body = .none
        case "*": body = .whole
        case let name:
            guard input.fields.contains(where: { $0.name == name }) else {
                throw Failure(description: "\(method.fullName): body \"\(name)\" is not a field of \(input.fullName)")
            }
            body = .field(name)
        }
        let bound = Set(variables.map { $0.field.split(separator: ".").first.map(String.init) ?? $0.field })
        var query: [FieldModel] = []
        if body != .whole {
            for candidate in input.fields where !bound.contains(candidate.name) {
                if case .field(let name) = body, name == candidate.name { continue }
                query.append(try field(candidate))
            }
        }
        let responseBody = binding.responseBody.isEmpty ? nil : binding.responseBody
        return HTTPOperation(
            grpcPath: "/\(service.fullName)/\(method.name)", service: service.fullName,
            operationID: index == 0 ? method.name : "\(method.name)\(index + 1)", method: verb, path: path,
            pathParameters: pathParameters, queryParameters: query, body: body, responseBody: responseBody,
            inputType: input.fullName, outputType: output.fullName, comment: comment(method.protoSourceComments()),
            idempotencyKeyField: input.fields.contains { $0.name == "idempotency_key" } ? "idempotency_key" : nil,
            maxRequestBytes: method.options.hasLucid_Api_V1_method
                && method.options.Lucid_Api_V1_method.hasMaxRequestBytes
                ? Int(method.options.Lucid_Api_V1_method.maxRequestBytes) : nil)
    }

    /// "/v1/{name=shelves/*}/books" → ("/v1/{name}/books", [(name, "shelves/*")]).
    static func parse(template: String, method: MethodDescriptor) throws -> (
        String, [(field: String, pattern: String?)]
    ) {
        guard template.hasPrefix("/") else {
            throw Failure(description: "\(method.fullName): path \"\(template)\" must start with /")
        }
        var path = ""
        var variables: [(String, String?)] = []
        var index = template.startIndex
        while index < template.endIndex {
            let character = template[index]
            if character == "{" {
                guard let close = template[index...].firstIndex(of: "}") else {
                    throw Failure(description: "\(method.fullName): unclosed { in \"\(template)\"")
                }
                let inside = template[template.index(after: index)..<close]
                let parts = inside.split(separator: "=", maxSplits: 1).map(String.init)
                guard let name = parts.first, !name.isEmpty else {
                    throw Failure(description: "\(method.fullName): empty variable in \"\(template)\"")
                }
                variables.append((name, parts.count == 2 ? parts[1] : nil))
                path += "{\(name)}"
                index = template.index(after: close)
            } else {
                path.append(character)
                index = template.index(after: index)
            }
        }
        return (path, variables)
    }

    static func field(_ descriptor: FieldDescriptor) throws -> FieldModel {
        let text = comment(descriptor.protoSourceComments())
        let constraints = try FieldConstraints.read(descriptor)
        // The comment may say "Required." for readers; the rule is what is enforced, so the two must agree.
        if text.hasPrefix("Required."), !constraints.required {
            throw Failure(
                description: "\(descriptor.fullName): documented as Required. but without (lucid.api.v1.field).required"
            )
        }
        let names = namer.messagePropertyNames(field: descriptor, prefixed: "_", includeHasAndClear: true)
        return FieldModel(
            name: descriptor.name, jsonName: descriptor.jsonName ?? descriptor.name, kind: kind(descriptor),
            repeated: descriptor.isRepeated && !descriptor.isMap, comment: text, constraints: constraints,
            swiftName: names.name, swiftHasName: names.has)
    }

    static func kind(_ descriptor: FieldDescriptor) -> FieldModel.Kind {
        if descriptor.isMap, let entry = descriptor.messageType {
            return .map(key: scalarName(entry.fields[0].type), value: kind(entry.fields[1]))
        }
        switch descriptor.type {
        case .message, .group: return .message(descriptor.messageType!.fullName)
        case .enum: return .enumeration(descriptor.enumType!.fullName)
        default: return .scalar(scalarName(descriptor.type))
        }
    }

    static func scalarName(_ type: Google_Protobuf_FieldDescriptorProto.TypeEnum) -> String {
        switch type {
        case .double: "double"
        case .float: "float"
        case .int64: "int64"
        case .uint64: "uint64"
        case .int32: "int32"
        case .fixed64: "fixed64"
        case .fixed32: "fixed32"
        case .bool: "bool"
        case .string: "string"
        case .bytes: "bytes"
        case .uint32: "uint32"
        case .sfixed32: "sfixed32"
        case .sfixed64: "sfixed64"
        case .sint32: "sint32"
        case .sint64: "sint64"
        default: "string"
        }
    }

    /// Messages and enums reachable from a message, well-known types excluded (they map to plain JSON types).
    static func collect(
        _ message: Descriptor, into messages: inout [String: MessageModel], enums: inout [String: EnumModel]
    ) throws {
        guard messages[message.fullName] == nil, !message.fullName.hasPrefix("google.protobuf.") else { return }
        messages[message.fullName] = MessageModel(
            fullName: message.fullName, swiftName: namer.fullName(message: message),
            comment: comment(message.protoSourceComments()), fields: try message.fields.map(field))
        for descriptor in message.fields {
            if let type = descriptor.messageType {
                if descriptor.isMap, let value = type.fields[1].messageType {
                    try collect(value, into: &messages, enums: &enums)
                } else if !descriptor.isMap {
                    try collect(type, into: &messages, enums: &enums)
                }
            }
            if let type = descriptor.enumType, enums[type.fullName] == nil {
                enums[type.fullName] = EnumModel(
                    fullName: type.fullName, comment: comment(type.protoSourceComments()),
                    values: type.values.map { ($0.name, $0.number, comment($0.protoSourceComments())) })
            }
        }
    }

    /// Proto comments as plain text: "//" prefixes gone, lines joined with single spaces per paragraph.
    static func comment(_ raw: String) -> String {
        raw.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line -> String in
                var text = line.trimmingCharacters(in: .whitespaces)
                if text.hasPrefix("///") {
                    text = String(text.dropFirst(3))
                } else if text.hasPrefix("//") {
                    text = String(text.dropFirst(2))
                }
                return text.hasPrefix(" ") ? String(text.dropFirst()) : text
            }
            .joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
