import Testing

@testable import PaymentGateway

@Suite("Token key configuration is validated at start")
struct TokenKeyConfigurationTests {
    static let source = "--jwt-secret-file /run/secrets/jwt"

    @Test(
        "an HS256 secret shorter than 32 bytes is refused, naming the flag and file, not the secret",
        arguments: ["", "short-secret", String(repeating: "s", count: 31)])
    func shortSecret(secret: String) {
        let error = #expect(throws: TokenKeyConfigurationError.self) {
            try TokenKeyConfiguration(hmacSecret: secret, hmacSource: Self.source, jwksJSON: nil).validate()
        }
        #expect(error?.message.contains("--jwt-secret-file /run/secrets/jwt") == true)
        #expect(error?.message.contains("at least 32") == true)
        if !secret.isEmpty { #expect(error?.message.contains(secret) == false) }
    }

    @Test("32 bytes are enough", arguments: [32, 44, 64])
    func longEnough(length: Int) throws {
        try TokenKeyConfiguration(hmacSecret: String(repeating: "k", count: length), jwksJSON: nil).validate()
    }

    @Test("HMAC and JWKS together are refused, naming both flags")
    func exclusive() {
        let error = #expect(throws: TokenKeyConfigurationError.self) {
            try TokenKeyConfiguration(
                hmacSecret: String(repeating: "k", count: 40), hmacSource: Self.source, jwksJSON: #"{"keys":[]}"#,
                jwksSource: "--jwks /etc/jwks.json"
            ).validate()
        }
        #expect(error?.message.hasPrefix("--jwt-secret-file and --jwks are exclusive") == true)
    }

    @Test("no keys at all are refused")
    func none() {
        #expect(throws: TokenKeyConfigurationError.self) {
            try TokenKeyConfiguration(hmacSecret: nil, jwksJSON: nil).validate()
        }
    }

    @Test("TokenVerifier.make applies the same checks")
    func verifierRefuses() async {
        await #expect(throws: TokenKeyConfigurationError.self) {
            _ = try await TokenVerifier.make(hmacSecret: "tiny", jwksJSON: nil, issuer: "i", audience: "a")
        }
    }
}
