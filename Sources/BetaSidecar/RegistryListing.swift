import Logging

/// What `beta-sidecar registry list` shows: the instances of an etcd registry or of one sidecar's embedded
/// registry, one line each.
public enum RegistryListing {
    /// The instances in etcd at `etcdURL` when given, else in the embedded registry of the sidecar whose admin gRPC
    /// listener is at `adminGRPC` (host:port). Throws a malformed address or a failed call.
    public static func instances(etcdURL: String?, adminGRPC: String, logger: Logger) async throws
        -> [ServiceInstance]
    {
        if let etcdURL { return try await EtcdRegistry(endpoint: etcdURL, logger: logger).list() }
        return try await RegistryAdminClient.list(address: adminGRPC)
    }

    /// One line per instance (health first, `UNHEALTHY` in capitals), or `no instances registered`.
    public static func lines(_ instances: [ServiceInstance]) -> [String] {
        guard !instances.isEmpty else { return ["no instances registered"] }
        return instances.map { instance in
            let health = instance.healthy ? "healthy  " : "UNHEALTHY"
            let tags = instance.tags.joined(separator: ",")
            return "\(health) \(instance.plane)/\(instance.name)  \(instance.address):\(instance.port)  "
                + "v\(instance.version)  [\(tags)]  \(instance.id)"
        }
    }
}
