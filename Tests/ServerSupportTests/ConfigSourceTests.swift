import Foundation
import Testing

@testable import ServerSupport

let schema = ConfigSchema(
    program: "demo", environmentPrefix: "DEMO_",
    keys: [
        ConfigKey("listen", "host:port"), ConfigKey("admin.listen", "admin host:port"),
        ConfigKey.list("peers", "a list"), ConfigKey("limits.count", "1...10"), ConfigKey("log.level", "log level"),
        ConfigKey("enabled", "a flag"), ConfigKey("node.url", "an http(s) URL"),
    ],
    renamedKeys: ["admin_listen": "admin.listen"], otherEnvironmentVariables: ["DEMO_SECRET"])

func yamlFile(_ text: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString).yaml").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// The `ConfigError` that `body` throws, or nil when it succeeds (any other error fails the test).
func refusal(_ body: () throws -> Void) -> ConfigError? {
    do {
        try body()
        return nil
    } catch let error as ConfigError {
        return error
    } catch {
        Issue.record("not a ConfigError: \(error)")
        return nil
    }
}

@Suite("Configuration: file, then environment, then flags; nothing unknown")
struct ConfigSourceTests {
    @Test("each layer overrides the one before, and says where a value came from")
    func precedence() throws {
        let file = try yamlFile("listen: 1.1.1.1:1\nadmin:\n  listen: 2.2.2.2:2\nlimits:\n  count: 3\n")
        let source = try ConfigSource.load(
            schema, file: file, environment: ["DEMO_ADMIN_LISTEN": "3.3.3.3:3", "DEMO_LIMITS_COUNT": "4"],
            overrides: ["limits.count": "5"])
        #expect(try source.hostPort("listen") == HostPort(host: "1.1.1.1", port: 1))
        #expect(try source.hostPort("admin.listen") == HostPort(host: "3.3.3.3", port: 3))
        #expect(try source.integer("limits.count", in: 1...10) == 5)
        #expect(source.origin(of: "listen") == .file(file))
        #expect(source.origin(of: "admin.listen") == .environment("DEMO_ADMIN_LISTEN"))
        #expect(source.origin(of: "limits.count") == .override)
        #expect(source.origin(of: "peers") == nil)
        #expect(source.warnings.isEmpty)
    }

    @Test("an unknown key in the file is refused with its dotted name")
    func unknownFileKey() throws {
        let file = try yamlFile("admin:\n  lisen: 1.1.1.1:1\n")
        let error = refusal { _ = try ConfigSource.load(schema, file: file, environment: [:]) }
        #expect(error?.key == "admin.lisen")
        #expect(error?.problem.contains("known settings: listen, admin.listen") == true)
    }

    @Test("a mistyped PREFIX_ variable is refused with its name; other prefixes and declared secrets pass")
    func unknownVariable() {
        let error = refusal {
            _ = try ConfigSource.load(schema, file: nil, environment: ["DEMO_LIMITS_COUNTT": "1"])
        }
        #expect(error?.key == "DEMO_LIMITS_COUNTT")
        #expect(error?.description.hasPrefix("configuration error: DEMO_LIMITS_COUNTT: is not a known setting") == true)
        #expect(
            refusal {
                _ = try ConfigSource.load(
                    schema, file: nil, environment: ["DEMO_SECRET": "x", "OTHER_LISTEN": "y", "DEMOX": "z"])
            } == nil)
    }

    @Test("an unknown override key is refused")
    func unknownOverride() {
        #expect(
            refusal { _ = try ConfigSource.load(schema, file: nil, environment: [:], overrides: ["x": "1"]) }?.key
                == "x")
    }

    @Test("a renamed key still works, with a warning that names the new key")
    func renamed() throws {
        let file = try yamlFile("admin_listen: 127.0.0.1:9\n")
        let source = try ConfigSource.load(schema, file: file, environment: [:])
        #expect(try source.hostPort("admin.listen") == HostPort(host: "127.0.0.1", port: 9))
        #expect(source.warnings.count == 1)
        #expect(source.warnings.first?.contains("admin_listen is renamed to admin.listen") == true)
        let overridden = try ConfigSource.load(schema, file: nil, environment: [:], overrides: ["admin_listen": "h:1"])
        #expect(try overridden.hostPort("admin.listen") == HostPort(host: "h", port: 1))
    }

    @Test("lists: YAML sequences and comma-separated text; a list where one value is expected is refused")
    func lists() throws {
        let file = try yamlFile("peers: [a, b]\nlisten: [x, y]\n")
        let source = try ConfigSource.load(schema, file: file, environment: [:])
        #expect(try source.list("peers") == ["a", "b"])
        #expect(refusal { _ = try source.string("listen") }?.problem == "must be a single value, not a list")
        let environment = try ConfigSource.load(schema, file: nil, environment: ["DEMO_PEERS": "a, b,,c"])
        #expect(try environment.list("peers") == ["a", "b", "c"])
        let nested = try yamlFile("peers: [[a]]\n")
        #expect(refusal { _ = try ConfigSource.load(schema, file: nested, environment: [:]) }?.key == "peers")
    }

    @Test("an unreadable, non-YAML or non-mapping file is refused naming the file")
    func badFiles() throws {
        let missing = "/nonexistent/demo.yaml"
        let unreadable = refusal { _ = try ConfigSource.load(schema, file: missing, environment: [:]) }
        #expect(unreadable?.key == missing)
        #expect(unreadable?.problem.hasPrefix("cannot read the configuration file") == true)
        let broken = try yamlFile("listen: [unclosed\n")
        #expect(
            refusal { _ = try ConfigSource.load(schema, file: broken, environment: [:]) }?.problem.hasPrefix(
                "is not valid YAML") == true)
        let scalar = try yamlFile("just text\n")
        #expect(
            refusal { _ = try ConfigSource.load(schema, file: scalar, environment: [:]) }?.problem
                == "must be a YAML mapping of settings")
        #expect(try ConfigSource.load(schema, file: try yamlFile(""), environment: [:]).warnings.isEmpty)
    }

    @Test(
        "typed reads name the key and the allowed values",
        arguments: [
            ("limits.count", "11", "must be a whole number from 1 to 10, got \"11\""),
            ("limits.count", "x", "must be a whole number from 1 to 10, got \"x\""),
            ("enabled", "yes", "must be true or false, got \"yes\""),
            ("listen", "1.1.1.1", "must be host:port with a port from 0 to 65535, got \"1.1.1.1\""),
            ("listen", "h:65536", "must be host:port with a port from 0 to 65535, got \"h:65536\""),
            ("node.url", "ftp://x", "must be an http(s) URL, got \"ftp://x\""),
            ("node.url", "http://", "must be an http(s) URL, got \"http://\""),
            ("log.level", "loud", "must be one of trace, debug, info, notice, warning, error, critical; got \"loud\""),
        ])
    func typedRefusals(key: String, value: String, problem: String) throws {
        let source = try ConfigSource(schema, values: [key: [value]])
        let error = refusal {
            _ = try source.integer("limits.count", in: 1...10)
            _ = try source.bool("enabled")
            _ = try source.hostPort("listen")
            _ = try source.url("node.url")
            _ = try source.logLevel(default: .info)
        }
        #expect(error == ConfigError(key: key, problem))
    }

    @Test("typed reads of good values, and defaults when unset")
    func typedValues() throws {
        let source = try ConfigSource(
            schema,
            values: ["enabled": ["TRUE"], "node.url": ["https://node.example:8090/x"], "log.level": ["debug"]])
        #expect(try source.bool("enabled") == true)
        #expect(try source.url("node.url")?.host == "node.example")
        #expect(try source.logLevel(default: .info) == .debug)
        #expect(try source.integer("limits.count", in: 1...10, default: 7) == 7)
        #expect(try source.string("listen", default: "d") == "d")
        #expect(refusal { _ = try source.required("listen") } == ConfigError(key: "listen", "is required"))
        #expect(try source.list("peers") == [])
    }

    @Test("only list keys are split on commas: a comma in a path or a URL is read whole")
    func commasInSingleValues() throws {
        let source = try ConfigSource.load(
            schema, file: nil, environment: ["DEMO_NODE_URL": " http://node/a,b "],
            overrides: ["listen": "h:1", "peers": "x,y"])
        #expect(try source.string("node.url") == "http://node/a,b")
        #expect(try source.list("peers") == ["x", "y"])
    }

    @Test("an empty variable for a single-value key is refused, not read as unset; an empty list is a list")
    func emptyVariable() throws {
        let error = refusal { _ = try ConfigSource.load(schema, file: nil, environment: ["DEMO_NODE_URL": " "]) }
        #expect(error?.key == "DEMO_NODE_URL")
        #expect(error?.problem.hasPrefix("is set but empty") == true)
        #expect(try ConfigSource.load(schema, file: nil, environment: ["DEMO_PEERS": ""]).list("peers") == [])
    }

    @Test("a file that sets a key under its old and its new name is refused")
    func renamedTwice() throws {
        let file = try yamlFile("admin_listen: 127.0.0.1:1\nadmin:\n  listen: 127.0.0.1:2\n")
        let error = refusal { _ = try ConfigSource.load(schema, file: file, environment: [:]) }
        #expect(error?.problem.hasPrefix("is set twice in \(file)") == true)
    }
}
