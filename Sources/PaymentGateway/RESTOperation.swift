import Foundation
import GRPCCore
import SwiftProtobuf

/// One REST binding of a gRPC method, as the generated shim describes it.
public struct RESTOperation: Sendable {
    /// Where the request message comes from in the HTTP body (google.api.http `body`).
    public enum Body: Sendable, Equatable {
        /// No body: a non-empty one is refused (400).
        case none
        /// `body: "*"`: the body is the request message (a JSON object).
        case whole
        /// The JSON name of the request field the body fills.
        case field(String)
    }

    /// Calls the gRPC method: the request message's proto3 JSON, the metadata and options → the answer's JSON.
    /// Throws `RPCError` from payment-rpc, or `JSONDecodingError` for JSON the message refuses.
    public typealias Call =
        @Sendable (_ json: [UInt8], _ metadata: Metadata, _ options: CallOptions) async throws -> [UInt8]

    /// The RPC's name ("CreatePayout"): the key of the access, ownership and rate-limit tables.
    public var operationID: String
    /// The full gRPC method path ("/lucid.payment.v1.PaymentService/CreatePayout").
    public var grpcMethod: String
    /// The HTTP method, upper-case ("GET", "POST").
    public var httpMethod: String
    /// The path template with `{field}` parameters ("/api/payment/payouts/{payout_id}").
    public var path: String
    /// The `{field}`s of `path`, in order.
    public var pathParameters: [RESTPathParameter]
    /// The request fields the query string may set.
    public var queryParameters: [RESTQueryParameter]
    /// Where the body goes in the request message.
    public var body: Body
    /// The response field answered instead of the whole response (google.api.http `response_body`), if any.
    public var responseBody: String?
    /// The gRPC call.
    public var call: Call

    /// An operation as the generated shim declares it.
    public init(
        operationID: String, grpcMethod: String, httpMethod: String, path: String, pathParameters: [RESTPathParameter],
        queryParameters: [RESTQueryParameter], body: Body, responseBody: String?, call: @escaping Call
    ) {
        self.operationID = operationID
        self.grpcMethod = grpcMethod
        self.httpMethod = httpMethod
        self.path = path
        self.pathParameters = pathParameters
        self.queryParameters = queryParameters
        self.body = body
        self.responseBody = responseBody
        self.call = call
    }

    /// Unknown JSON fields are refused: a misspelled field on a payout must never be silently dropped.
    public static let strictJSON: JSONDecodingOptions = {
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = false
        return options
    }()

    /// Responses in the proto3 JSON mapping (defaults omitted, as grpc-gateway does by default), stable key order.
    public static let responseJSON: JSONEncodingOptions = {
        var options = JSONEncodingOptions()
        options.useDeterministicOrdering = true
        return options
    }()

    /// Hummingbird's path syntax for this route ("/payouts/{payout_id}" → "/payouts/:payout_id").
    public var routerPath: String {
        path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")
    }

    /// The request message's JSON: the body (whole, or under its field), then query and path parameters.
    public func requestJSON(body: [UInt8], query: [(String, String)], path: [String: String]) throws(RESTError)
        -> [UInt8]
    {
        var object: [String: Any] = [:]
        let bodyValue: Any? =
            body.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 })
            ? nil : try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        if !body.isEmpty, bodyValue == nil, !body.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) {
            throw RESTError(status: 400, code: .invalidArgument, message: "the request body is not valid JSON")
        }
        if let bodyValue, let path = Self.nullPath(in: bodyValue) {
            // proto3 JSON would read null as "not set"; the document has no nullable field, so it is refused here,
            // as unknown fields are, instead of being silently taken for a default.
            throw RESTError(
                status: 400, code: .invalidArgument,
                message: "\(path.isEmpty ? "the body" : path) is null; leave the field out instead")
        }
        switch self.body {
        case .none:
            if bodyValue != nil {
                throw RESTError(status: 400, code: .invalidArgument, message: "this operation takes no request body")
            }
        case .whole:
            guard let bodyValue else {
                throw RESTError(status: 400, code: .invalidArgument, message: "a JSON object request body is required")
            }
            guard let dictionary = bodyValue as? [String: Any] else {
                throw RESTError(status: 400, code: .invalidArgument, message: "the request body must be a JSON object")
            }
            object = dictionary
            for parameter in pathParameters where object[parameter.jsonName] != nil {
                throw RESTError(
                    status: 400, code: .invalidArgument,
                    message: "\(parameter.jsonName) is set by the path, not the body")
            }
        case .field(let name):
            guard let bodyValue else {
                throw RESTError(
                    status: 400, code: .invalidArgument, message: "a JSON request body (the \(name) field) is required")
            }
            object[name] = bodyValue
        }
        for (name, value) in query {
            guard let parameter = queryParameters.first(where: { $0.jsonName == name }) else {
                throw RESTError(status: 400, code: .invalidArgument, message: "unknown query parameter \"\(name)\"")
            }
            let converted = try parameter.kind.convert(value, name: name)
            if parameter.repeated {
                object[name] = ((object[name] as? [Any]) ?? []) + [converted]
            } else {
                object[name] = converted
            }
        }
        for parameter in pathParameters {
            guard let value = path[parameter.name] else { continue }
            object[parameter.jsonName] = try parameter.kind.convert(value, name: parameter.name)
        }
        do {
            return [UInt8](try JSONSerialization.data(withJSONObject: object))
        } catch {
            throw RESTError(status: 400, code: .invalidArgument, message: "the request cannot be encoded")
        }
    }

    /// The path of the first JSON null in a parsed body ("items[2].kyc"), or nil when there is none.
    static func nullPath(in value: Any, at path: String = "") -> String? {
        if value is NSNull { return path }
        if let object = value as? [String: Any] {
            for key in object.keys.sorted() {
                if let found = nullPath(in: object[key]!, at: path.isEmpty ? key : "\(path).\(key)") { return found }
            }
        } else if let array = value as? [Any] {
            for (index, item) in array.enumerated() {
                if let found = nullPath(in: item, at: "\(path)[\(index)]") { return found }
            }
        }
        return nil
    }

    /// The answer's JSON: the whole response, or its `response_body` field.
    public func responseJSON(_ bytes: [UInt8]) -> [UInt8] {
        guard let responseBody,
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let value = object[responseBody],
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
        else { return bytes }
        return [UInt8](data)
    }
}

/// A `{field}` of the path template.
public struct RESTPathParameter: Sendable {
    /// The field's proto name, as in the template ("payout_id").
    public var name: String
    /// The field's JSON name in the request message ("payoutId").
    public var jsonName: String
    /// How the path segment converts to a JSON value.
    public var kind: RESTValueKind

    /// A path parameter of the generated shim.
    public init(name: String, jsonName: String, kind: RESTValueKind) {
        self.name = name
        self.jsonName = jsonName
        self.kind = kind
    }
}

/// A request field bound from the query string.
public struct RESTQueryParameter: Sendable {
    /// The query parameter's name: the field's JSON name ("pageSize").
    public var jsonName: String
    /// How the value converts to a JSON value.
    public var kind: RESTValueKind
    /// Whether the field is repeated: each occurrence of the parameter adds an item.
    public var repeated: Bool

    /// A query parameter of the generated shim.
    public init(jsonName: String, kind: RESTValueKind, repeated: Bool) {
        self.jsonName = jsonName
        self.kind = kind
        self.repeated = repeated
    }
}

/// How a path or query string becomes a JSON value for proto3 JSON parsing.
public enum RESTValueKind: Sendable {
    case string, integer, number, bool
    /// An enum: by name, or by number (proto3 JSON takes both; a query string cannot tell them apart otherwise).
    case enumeration

    func convert(_ text: String, name: String) throws(RESTError) -> Any {
        switch self {
        case .string: return text
        case .enumeration: return Int(text).map { $0 as Any } ?? text
        case .integer:
            guard let value = Int(text) else {
                throw RESTError(status: 400, code: .invalidArgument, message: "\(name): \"\(text)\" is not an integer")
            }
            return value
        case .number:
            guard let value = Double(text) else {
                throw RESTError(status: 400, code: .invalidArgument, message: "\(name): \"\(text)\" is not a number")
            }
            return value
        case .bool:
            guard let value = Bool(text) else {
                throw RESTError(
                    status: 400, code: .invalidArgument, message: "\(name): \"\(text)\" is not true or false")
            }
            return value
        }
    }
}
