import GRPCCore
import PaymentCore

/// The one place where domain errors become gRPC statuses.
extension PaymentError: RPCErrorConvertible {
    /// The gRPC code of the domain code, one to one (`internal` is INTERNAL).
    public var rpcErrorCode: RPCError.Code {
        switch code {
        case .invalidArgument: .invalidArgument
        case .notFound: .notFound
        case .failedPrecondition: .failedPrecondition
        case .resourceExhausted: .resourceExhausted
        case .unavailable: .unavailable
        case .internal: .internalError
        }
    }

    /// The domain message verbatim: it starts with the field path, says what to fix, and never holds a secret.
    public var rpcErrorMessage: String { message }

    /// The field or limit at fault, for clients that want it without parsing the message.
    public var rpcErrorMetadata: Metadata {
        var metadata: Metadata = [:]
        if let field { metadata.addString(field, forKey: "x-lucid-error-field") }
        if let limit { metadata.addString(limit, forKey: "x-lucid-error-limit") }
        return metadata
    }
}

/// Runs a handler body and turns every error into an `RPCError`: domain errors by their mapping, anything else
/// (a storage fault) into UNAVAILABLE without leaking its details to the caller.
func rpcErrors<Output>(_ body: () async throws -> Output) async throws -> Output {
    do {
        return try await body()
    } catch let error as PaymentError {
        throw RPCError(error)
    } catch let error as RPCError {
        throw error
    } catch {
        throw RPCError(code: .unavailable, message: "the payout ledger is unavailable; retry later", cause: error)
    }
}
