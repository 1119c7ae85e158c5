import Foundation
import HTTPTypes
import Testing

@testable import PaymentGateway

/// The cache of verified tokens: a hit only for the same token inside its own validity, bounded memory, and through
/// the router a cached token is still refused once it expires, and a forged variant of it is never a hit.
@Suite("Verified token cache: hits within the token's validity only, bounded")
struct VerifiedTokenCacheTests {
    static let principal = Principal(subject: "svc", role: .service)
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a kept token hits until exp and only after nbf; another token misses")
    func validity() {
        let cache = VerifiedTokenCache()
        let entry = VerifiedTokenCache.Entry(
            principal: Self.principal, notBefore: Self.now.addingTimeInterval(-10),
            expires: Self.now.addingTimeInterval(60))
        cache.insert("a.b.c", entry, at: Self.now)
        #expect(cache.principal(for: "a.b.c", at: Self.now) == Self.principal)
        #expect(cache.principal(for: "a.b.C", at: Self.now) == nil)
        #expect(cache.principal(for: "a.b.c", at: Self.now.addingTimeInterval(60)) == nil, "expired at exp")
        #expect(cache.principal(for: "a.b.c", at: Self.now.addingTimeInterval(-10)) == nil, "not yet at nbf")
    }

    @Test("a canonically equivalent spelling is not a hit: only ASCII tokens are kept or looked up")
    func asciiOnly() {
        let cache = VerifiedTokenCache()
        let entry = VerifiedTokenCache.Entry(
            principal: Self.principal, notBefore: nil, expires: Self.now.addingTimeInterval(60))
        cache.insert("eyK.pay.sig", entry, at: Self.now)
        // U+212A KELVIN SIGN is canonically equivalent to K: equal as Swift strings, other bytes.
        let kelvin = "ey\u{212A}.pay.sig"
        #expect(kelvin == "eyK.pay.sig")
        #expect(cache.principal(for: kelvin, at: Self.now) == nil)
        cache.insert("caf\u{E9}.x.y", entry, at: Self.now)
        #expect(cache.count == 1, "a non-ASCII token is not kept")
    }

    @Test("expired and over-long tokens are not kept; a full cache is emptied before the next token is kept")
    func bounded() {
        let cache = VerifiedTokenCache(capacity: 3, maxTokenBytes: 16)
        let later = VerifiedTokenCache.Entry(
            principal: Self.principal, notBefore: nil, expires: Self.now.addingTimeInterval(600))
        cache.insert("old", .init(principal: Self.principal, notBefore: nil, expires: Self.now), at: Self.now)
        cache.insert(String(repeating: "x", count: 17), later, at: Self.now)
        #expect(cache.count == 0)
        for token in ["t1", "t2", "t3"] { cache.insert(token, later, at: Self.now) }
        #expect(cache.count == 3)
        cache.insert("t2", later, at: Self.now)
        #expect(cache.count == 3, "a token already kept does not empty it")
        cache.insert("t4", later, at: Self.now)
        #expect(cache.count == 1, "full: emptied, then t4 kept")
        #expect(cache.principal(for: "t4", at: Self.now) != nil)
        #expect(cache.principal(for: "t1", at: Self.now) == nil)
    }

    @Test("through the router: a token that verified is refused once it expires; a tampered copy is 401 at once")
    func expiresThroughTheRouter() async throws {
        // Long enough for the first two requests on a loaded CI machine (suites run in parallel on two cores).
        let token = try await GatewayRouterTests.token(lifetime: 6)
        var characters = Array(token)
        characters[characters.count - 2] = characters[characters.count - 2] == "A" ? "B" : "A"
        let tampered = String(characters)
        try await GatewayRouterTests.withGateway { client in
            for _ in 0..<2 {
                let answer = try await GatewayRouterTests.call(client, .get, "/api/payment/payouts/po_1", token: token)
                #expect(answer.status == .ok)
            }
            let forged = try await GatewayRouterTests.call(
                client, .get, "/api/payment/payouts/po_1", token: tampered)
            #expect(forged.status == .unauthorized)
            try await Task.sleep(for: .milliseconds(7_100))
            let late = try await GatewayRouterTests.call(client, .get, "/api/payment/payouts/po_1", token: token)
            #expect(late.status == .unauthorized)
        }
    }
}
