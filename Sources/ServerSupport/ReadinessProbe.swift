import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The `healthcheck` subcommand of every program: asks a running instance's admin port whether it is ready, so a
/// container image needs no curl.
public enum ReadinessProbe {
    /// True when `GET http://ADMIN/ready` answers 200 within `timeout` seconds; false on any other answer or error.
    public static func isReady(admin: HostPort, timeout: TimeInterval = 3) async -> Bool {
        await answersOK(admin: admin, path: "/ready", timeout: timeout)
    }

    /// True when `GET http://ADMIN<path>` answers 200 within `timeout` seconds; false on any other answer or error.
    public static func answersOK(admin: HostPort, path: String, timeout: TimeInterval = 3) async -> Bool {
        guard let url = URL(string: "http://\(admin)\(path)") else { return false }
        var request = URLRequest(url: url)
        request.timeoutInterval = timeout
        do {
            let (_, response) = try await URLSession.shared.data(for: request)
            return (response as? HTTPURLResponse)?.statusCode == 200
        } catch {
            return false
        }
    }
}
