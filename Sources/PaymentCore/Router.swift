/// The payout path a payout takes, which decides its checks and its per-payout maximum.
public enum Router: String, Sendable, Hashable, CaseIterable, Codable {
    /// Non-KYC end-user session payouts, low per-payout maximum.
    case v0 = "V0"
    /// KYC-gated payouts to node operators.
    case kyc = "KYC"
    /// Payouts to a configured allowlist of trusted recipients only.
    case direct = "DIRECT"

    /// The seed's rule for a request that names no router: KYC when verified, hashed and with a node id; else V0.
    public static func select(requested: Router?, kyc: KYCAttestation?) -> Router {
        if let requested { return requested }
        if let kyc, kyc.verified, !kyc.hash.isEmpty, !kyc.nodeID.isEmpty { return .kyc }
        return .v0
    }
}

/// When a payout becomes due.
public enum Priority: String, Sendable, Hashable, CaseIterable, Codable {
    /// Due at once.
    case immediate = "IMMEDIATE"
    /// Due at the top of the next UTC hour.
    case hourly = "HOURLY"
    /// Due at the next 00:00 UTC.
    case daily = "DAILY"
    /// Due at the next Monday 00:00 UTC.
    case weekly = "WEEKLY"
}
