import GRPCCore

extension RESTError {
    /// An error with a named gRPC status code instead of its number.
    public init(status: Int, code: RPCError.Code, message: String, headers: [(String, String)] = []) {
        self.init(status: status, code: code.rawValue, message: message, headers: headers)
    }
}
