import Foundation
import GRPCCore
import JWTKit

/// The claims the gateway reads from a bearer token.
struct GatewayClaims: JWTPayload {
    var sub: SubjectClaim
    var role: String
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var iss: IssuerClaim
    var aud: AudienceClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf?.verifyNotBefore()
    }
}

/// Who is calling, after the token checked out.
public struct Principal: Sendable, Equatable {
    /// The token's `sub`: who payment-rpc records as the requester (`Ownership.owner`).
    public var subject: String
    /// The token's `role` claim.
    public var role: Role
}

/// The seeds' roles.
public enum Role: String, Sendable, CaseIterable {
    case admin
    case nodeOperator = "node_operator"
    case endUser = "end_user"
    case service
}

/// Verifies bearer tokens: signature with the configured keys (HS256 secret for development, or a JWKS with RS256,
/// ES256 or EdDSA keys), then `exp`, `nbf`, `iss` and `aud`. `alg: none` and algorithm confusion are refused (a
/// token verifies only with a key of its own algorithm).
public struct TokenVerifier: Sendable {
    let keys: JWTKeyCollection
    let issuer: String
    let audience: String
    /// Tokens that verified, so the same token again costs a dictionary lookup (`VerifiedTokenCache`).
    let verified = VerifiedTokenCache()

    /// A verifier for the configured keys; refuses (naming the flags) a configuration `TokenKeyConfiguration`
    /// rejects: no keys, both kinds of keys, or an HS256 secret shorter than 32 bytes.
    public static func make(
        hmacSecret: String?, jwksJSON: String?, issuer: String, audience: String,
        hmacSource: String = "--jwt-secret-file", jwksSource: String = "--jwks"
    ) async throws -> TokenVerifier {
        let configuration = TokenKeyConfiguration(
            hmacSecret: hmacSecret, hmacSource: hmacSource, jwksJSON: jwksJSON, jwksSource: jwksSource)
        try configuration.validate()
        let keys = JWTKeyCollection()
        if let hmacSecret { await keys.add(hmac: HMACKey(from: hmacSecret), digestAlgorithm: .sha256) }
        if let jwksJSON { try await keys.add(jwksJSON: jwksJSON) }
        return TokenVerifier(keys: keys, issuer: issuer, audience: audience)
    }

    /// The caller named by an `Authorization: Bearer …` header value.
    /// - Throws: 401 (with `WWW-Authenticate`) for a missing, malformed, forged, expired or not-yet-valid token or
    ///   one for another issuer or audience; 403 for a role the gateway does not know.
    public func principal(authorization: String?) async throws(RESTError) -> Principal {
        guard let authorization, authorization.lowercased().hasPrefix("bearer ") else {
            throw RESTError(
                status: 401, code: .unauthenticated, message: "a bearer token is required",
                headers: [("WWW-Authenticate", "Bearer")])
        }
        let token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        let now = Date()
        if let principal = verified.principal(for: token, at: now) { return principal }
        let claims: GatewayClaims
        do {
            claims = try await keys.verify(token, as: GatewayClaims.self)
        } catch {
            throw RESTError(
                status: 401, code: .unauthenticated,
                message: "the bearer token is not valid (signature, algorithm, expiry or not-before)",
                headers: [("WWW-Authenticate", "Bearer error=\"invalid_token\"")])
        }
        guard claims.iss.value == issuer else {
            throw RESTError(
                status: 401, code: .unauthenticated, message: "the bearer token has the wrong issuer",
                headers: [("WWW-Authenticate", "Bearer error=\"invalid_token\"")])
        }
        guard claims.aud.value.contains(audience) else {
            throw RESTError(
                status: 401, code: .unauthenticated, message: "the bearer token is not for this audience",
                headers: [("WWW-Authenticate", "Bearer error=\"invalid_token\"")])
        }
        guard let role = Role(rawValue: claims.role) else {
            throw RESTError(status: 403, code: .permissionDenied, message: "unknown role \"\(claims.role)\"")
        }
        let principal = Principal(subject: claims.sub.value, role: role)
        verified.insert(
            token, .init(principal: principal, notBefore: claims.nbf?.value, expires: claims.exp.value), at: now)
        return principal
    }

    /// A development token (HS256) — for the local stack's example and the tests.
    public static func developmentToken(
        secret: String, subject: String, role: String, issuer: String, audience: String, lifetime: TimeInterval = 3600
    ) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let claims = GatewayClaims(
            sub: .init(value: subject), role: role, exp: .init(value: Date().addingTimeInterval(lifetime)), nbf: nil,
            iss: .init(value: issuer), aud: .init(value: [audience]))
        return try await keys.sign(claims)
    }
}
