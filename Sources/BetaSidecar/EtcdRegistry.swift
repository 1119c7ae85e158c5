import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// The shared registry for several hosts: etcd v3 through its JSON gateway (`/v3/...`). Each instance is a key
/// under `/lucid/services/` attached to a lease that this sidecar keeps alive every TTL/3; a crashed sidecar stops
/// renewing, so its entry disappears within the TTL.
public final class EtcdRegistry: ServiceRegistry, Service {
    /// The etcd key prefix every instance is stored under (`/lucid/services/<instance id>`).
    public static let prefix = "/lucid/services/"

    let endpoint: String
    let ttl: Int
    let http: HTTPClient
    let logger: Logger
    private let state = NIOLockedValueBox<(lease: String?, instances: [String: ServiceInstance])>((nil, [:]))

    /// A registry at etcd's client URL (`http://host:2379`, a trailing slash is dropped); entries live `ttlSeconds`
    /// after the last keepalive. Contacts etcd only when an instance is registered or listed.
    public init(endpoint: String, ttlSeconds: Int = 5, http: HTTPClient = .shared, logger: Logger) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.ttl = ttlSeconds
        self.http = http
        self.logger = logger
    }

    /// Puts the instance under its key, attached to this sidecar's lease (granted on first use); throws etcd's
    /// failure (a non-200 answer or a transport error).
    public func register(_ instance: ServiceInstance) async throws {
        state.withLockedValue { $0.instances[instance.id] = instance }
        try await put(instance, lease: try await lease())
    }

    /// Deletes the instance's key; when it was the last one, revokes the lease too (best effort).
    public func deregister(id: String) async throws {
        let lease = state.withLockedValue { state -> String? in
            state.instances[id] = nil
            return state.lease
        }
        _ = try await call("/v3/kv/deleterange", ["key": Self.key(id)])
        if let lease, state.withLockedValue({ $0.instances.isEmpty }) {
            _ = try? await call("/v3/lease/revoke", ["ID": lease])
            state.withLockedValue { $0.lease = nil }
        }
    }

    /// Every instance under the prefix, sorted by id, from every sidecar sharing this etcd; entries that do not
    /// decode are skipped.
    public func list() async throws -> [ServiceInstance] {
        let prefix = Array(Self.prefix.utf8)
        var end = prefix
        end[end.count - 1] += 1
        let json = try await call(
            "/v3/kv/range", ["key": Data(prefix).base64EncodedString(), "range_end": Data(end).base64EncodedString()])
        return (json["kvs"] as? [[String: Any]] ?? []).compactMap { kv in
            (kv["value"] as? String).flatMap { Data(base64Encoded: $0) }.flatMap {
                try? JSONDecoder().decode(ServiceInstance.self, from: $0)
            }
        }.sorted { $0.id < $1.id }
    }

    /// Keeps the lease alive; a lost lease (etcd restarted, a long pause) is granted anew and the keys re-put.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(ttl * 1000 / 3))
            guard let lease = state.withLockedValue({ $0.lease }) else { continue }
            do {
                let reply = try await call("/v3/lease/keepalive", ["ID": lease])
                let result = reply["result"] as? [String: Any]
                if (result?["TTL"] as? String).flatMap(Int.init) ?? 0 <= 0 {
                    logger.warning("etcd lease lost; registering again", metadata: ["lease": "\(lease)"])
                    state.withLockedValue { $0.lease = nil }
                    let instances = state.withLockedValue { Array($0.instances.values) }
                    let fresh = try await self.lease()
                    for instance in instances { try await put(instance, lease: fresh) }
                }
            } catch {
                logger.warning("etcd keepalive failed", metadata: ["error": "\(error)"])
            }
        }
    }

    private func lease() async throws -> String {
        if let lease = state.withLockedValue({ $0.lease }) { return lease }
        let reply = try await call("/v3/lease/grant", ["TTL": ttl])
        guard let id = reply["ID"] as? String else { throw RegistryError("etcd granted no lease: \(reply)") }
        state.withLockedValue { $0.lease = id }
        return id
    }

    private func put(_ instance: ServiceInstance, lease: String) async throws {
        let value = try JSONEncoder().encode(instance).base64EncodedString()
        _ = try await call("/v3/kv/put", ["key": Self.key(instance.id), "value": value, "lease": lease])
    }

    static func key(_ id: String) -> String { Data((prefix + id).utf8).base64EncodedString() }

    private func call(_ path: String, _ body: [String: Any]) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: endpoint + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let response = try await http.execute(request, timeout: .seconds(3))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        guard response.status.code == 200,
            let json = try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any]
        else { throw RegistryError("etcd \(path) answered HTTP \(response.status.code)") }
        return json
    }
}

struct RegistryError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
