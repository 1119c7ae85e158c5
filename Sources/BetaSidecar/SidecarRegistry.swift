import Foundation
import NIOConcurrencyHelpers

/// A registered service instance.
public struct ServiceInstance: Codable, Sendable, Equatable {
    /// Unique per instance: `<plane>/<service>@<host>:<port>`.
    public var id: String
    /// The service's name (the target service).
    public var name: String
    /// The service's plane (the target plane).
    public var plane: String
    /// The host callers dial: the sidecar's mTLS listener, not the upstream.
    public var address: String
    /// The port callers dial (the mTLS listener's).
    public var port: Int
    /// Free-form labels, e.g. `grpc`, `mtls`.
    public var tags: [String]
    /// Whether the upstream was healthy when the entry was last written.
    public var healthy: Bool
    /// The sidecar's version.
    public var version: String

    /// An instance from its fields, unchecked.
    public init(
        id: String, name: String, plane: String, address: String, port: Int, tags: [String], healthy: Bool,
        version: String
    ) {
        self.id = id
        self.name = name
        self.plane = plane
        self.address = address
        self.port = port
        self.tags = tags
        self.healthy = healthy
        self.version = version
    }
}

/// Where instances are registered.
public protocol ServiceRegistry: Sendable {
    /// Adds the instance, or replaces the one with the same id (health changes re-register).
    func register(_ instance: ServiceInstance) async throws
    /// Removes the instance with this id; an unknown id is no error.
    func deregister(id: String) async throws
    /// Every registered instance, sorted by id.
    func list() async throws -> [ServiceInstance]
}

/// The embedded registry: kept by the sidecar itself and served on its admin port (`GET /registry`).
public final class EmbeddedRegistry: ServiceRegistry {
    private let instances = NIOLockedValueBox<[String: ServiceInstance]>([:])
    /// An empty registry.
    public init() {}
    /// Adds or replaces the instance with the same id.
    public func register(_ instance: ServiceInstance) async throws {
        instances.withLockedValue { $0[instance.id] = instance }
    }
    /// Removes the instance; an unknown id is no error.
    public func deregister(id: String) async throws { _ = instances.withLockedValue { $0.removeValue(forKey: id) } }
    /// Every instance, sorted by id.
    public func list() async throws -> [ServiceInstance] {
        instances.withLockedValue { Array($0.values) }.sorted { $0.id < $1.id }
    }
}
