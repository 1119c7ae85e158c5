import AsyncHTTPClient
import Foundation

/// The `healthcheck` subcommand of every program: asks a running instance's admin port whether it is ready, so a
/// container image needs no curl. It uses async-http-client, not URLSession: FoundationNetworking would link libcurl
/// (and its TLS, LDAP and SSH libraries) into images that have no other use for it.
public enum ReadinessProbe {
    /// True when `GET http://ADMIN/ready` answers 200 within `timeout` seconds; false on any other answer or error.
    public static func isReady(admin: HostPort, timeout: TimeInterval = 3) async -> Bool {
        await answersOK(admin: admin, path: "/ready", timeout: timeout)
    }

    /// True when `GET http://ADMIN<path>` answers 200 within `timeout` seconds; false on any other answer or error.
    public static func answersOK(admin: HostPort, path: String, timeout: TimeInterval = 3) async -> Bool {
        var request = HTTPClientRequest(url: "http://\(admin)\(path)")
        request.method = .GET
        do {
            let response = try await HTTPClient.shared.execute(
                request, timeout: .milliseconds(Int64((timeout * 1000).rounded())))
            return response.status.code == 200
        } catch {
            return false
        }
    }
}
