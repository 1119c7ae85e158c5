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

    @Test("a kept token hits until exp and not before nbf; another token misses")
    func validity() {
        let cache = VerifiedTokenCache()
        let entry = VerifiedTokenCache.Entry(
            principal: Self.principal, notBefore: Self.now.addingTimeInterval(-10),
            expires: Self.now.addingTimeInterval(60))
        cache.insert("a.b.c", entry, at: Self.now)
        #expect(cache.principal(for: "a.b.c", at: Self.now) == Self.principal)
        #expect(cache.principal(for: "a.b.C", at: Self.now) == nil)
        #expect(cache.principal(for: "a.b.c", at: Self.now.addingTimeInterval(60)) == nil, "expired at exp")
        #expect(cache.principal(for: "a.b.c", at: Self.now.addingTimeInterval(-11)) == nil, "before nbf")
    }

    @Test("expired and over-long tokens are not kept; a full cache drops the expired, then everything")
    func bounded() {
        let cache = VerifiedTokenCache(capacity: 3, maxTokenBytes: 16)
        let soon = VerifiedTokenCache.Entry(
            principal: Self.principal, notBefore: nil, expires: Self.now.addingTimeInterval(1))
        let later = VerifiedTokenCache.Entry(
            principal: Self.principal, notBefore: nil, expires: Self.now.addingTimeInterval(600))
        cache.insert("old", .init(principal: Self.principal, notBefore: nil, expires: Self.now), at: Self.now)
        cache.insert(String(repeating: "x", count: 17), later, at: Self.now)
        #expect(cache.count == 0)
        cache.insert("t1", soon, at: Self.now)
        cache.insert("t2", later, at: Self.now)
        cache.insert("t3", later, at: Self.now)
        cache.insert("t4", later, at: Self.now.addingTimeInterval(2))
        #expect(cache.count == 3, "t1 had expired and made room")
        #expect(cache.principal(for: "t4", at: Self.now.addingTimeInterval(2)) != nil)
        cache.insert("t5", later, at: Self.now.addingTimeInterval(2))
        #expect(cache.count == 1, "nothing had expired: the cache was emptied, then t5 kept")
        #expect(cache.principal(for: "t2", at: Self.now.addingTimeInterval(2)) == nil)
    }

    @Test("through the router: a token that verified is refused once it expires; a tampered copy is 401 at once")
    func expiresThroughTheRouter() async throws {
        let token = try await GatewayRouterTests.token(lifetime: 2)
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
            try await Task.sleep(for: .milliseconds(3_100))
            let late = try await GatewayRouterTests.call(client, .get, "/api/payment/payouts/po_1", token: token)
            #expect(late.status == .unauthorized)
        }
    }
}
