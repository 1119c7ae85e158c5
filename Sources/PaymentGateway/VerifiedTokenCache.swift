import Foundation
import Synchronization

/// Bearer tokens that verified, so a client that sends the same token on every request (the usual case: a service
/// holds one token for its lifetime) pays for its signature check and claim decoding once, not per request.
///
/// A hit needs the byte-identical token, and is honoured only inside the token's own validity, checked as JWTKit
/// checks it (`now < exp`, `nbf < now`): a cached token expires when it would. Only ASCII tokens are kept or looked up
/// (a JWT's compact form is base64url and dots), so Swift's string equality, which equates canonically equivalent
/// Unicode, is byte equality here. Only tokens that verified are kept, so a caller cannot fill the cache with
/// forgeries; the keys are fixed for the process's life (a new key set means a restart, which empties it). Memory
/// is bounded: at most `capacity` tokens of at most `maxTokenBytes` each (longer ones are verified every time);
/// when it is full it is emptied, which costs each live token one verification again and never a scan.
final class VerifiedTokenCache: Sendable {
    struct Entry: Sendable {
        var principal: Principal
        var notBefore: Date?
        var expires: Date

        func isValid(at now: Date) -> Bool { now < expires && (notBefore.map { $0 < now } ?? true) }
    }

    let capacity: Int
    let maxTokenBytes: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(capacity: Int = 4_096, maxTokenBytes: Int = 2_048) {
        self.capacity = capacity
        self.maxTokenBytes = maxTokenBytes
    }

    /// Whether `token` may be kept: ASCII only, at most `maxTokenBytes`.
    func isCacheable(_ token: String) -> Bool {
        token.utf8.count <= maxTokenBytes && token.utf8.allSatisfy { $0 < 0x80 }
    }

    /// The principal of `token` if it verified before and is valid at `now`.
    func principal(for token: String, at now: Date) -> Principal? {
        guard isCacheable(token), let entry = entries.withLock({ $0[token] }), entry.isValid(at: now) else {
            return nil
        }
        return entry.principal
    }

    /// Keeps a token that just verified.
    func insert(_ token: String, _ entry: Entry, at now: Date) {
        guard isCacheable(token), entry.isValid(at: now) else { return }
        entries.withLock { entries in
            if entries.count >= capacity, entries[token] == nil { entries.removeAll(keepingCapacity: true) }
            entries[token] = entry
        }
    }

    /// How many tokens are kept (for tests).
    var count: Int { entries.withLock { $0.count } }
}
