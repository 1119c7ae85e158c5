import Foundation
import NIOConcurrencyHelpers

/// A registered service instance.
public struct ServiceInstance: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var plane: String
    public var address: String
    public var port: Int
    public var tags: [String]
    public var healthy: Bool
    public var version: String

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
    func register(_ instance: ServiceInstance) async throws
    func deregister(id: String) async throws
    func list() async throws -> [ServiceInstance]
}

/// The embedded registry: kept by the sidecar itself and served on its admin port (`GET /registry`).
public final class EmbeddedRegistry: ServiceRegistry {
    private let instances = NIOLockedValueBox<[String: ServiceInstance]>([:])
    public init() {}
    public func register(_ instance: ServiceInstance) async throws {
        instances.withLockedValue { $0[instance.id] = instance }
    }
    public func deregister(id: String) async throws { _ = instances.withLockedValue { $0.removeValue(forKey: id) } }
    public func list() async throws -> [ServiceInstance] {
        instances.withLockedValue { Array($0.values) }.sorted { $0.id < $1.id }
    }
}
