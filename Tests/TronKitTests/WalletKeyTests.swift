import Foundation
import Testing
import TronKit
import TronWallet

@Suite("WalletKey: key files and the development key")
struct WalletKeyTests {
    static let secret = String(repeating: "5a", count: 32)

    /// A fresh path in a new temporary directory.
    func temporaryPath() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("walletkey-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("hot.key").path
    }

    @Test("write creates mode 0600, fromFile reads the same key, and an existing file is never overwritten")
    func roundTrip() throws {
        let path = try temporaryPath()
        let key = TronPrivateKey.generate()
        try WalletKey.write(key, to: path)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        #expect(try WalletKey.fromFile(path).address == key.address)
        #expect(throws: WalletKeyError.self) { try WalletKey.write(TronPrivateKey.generate(), to: path) }
        #expect(try WalletKey.fromFile(path).address == key.address)
    }

    @Test("a file others can read is refused with its mode, naming wallet.key_file, without the key")
    func looseMode() throws {
        let path = try temporaryPath()
        try Data(Self.secret.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
        #expect {
            try WalletKey.fromFile(path)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("configuration error: wallet.key_file: \(path) has mode 0640;")
                && text.hasSuffix("(chmod 600 \(path))") && !text.contains(Self.secret)
        }
    }

    @Test("install copies a group-readable key to a new 0400 file fromFile accepts; again is a no-op; never overwrites")
    func install() throws {
        let source = try temporaryPath()
        let destination = source + ".installed"
        try Data((Self.secret + "\n").utf8).write(to: URL(fileURLWithPath: source))
        try FileManager.default.setAttributes([.posixPermissions: 0o440], ofItemAtPath: source)
        #expect(throws: WalletKeyError.self) { try WalletKey.fromFile(source) }
        let key = try WalletKey.install(from: source, to: destination)
        let mode = try #require(
            try FileManager.default.attributesOfItem(atPath: destination)[.posixPermissions] as? Int)
        #expect(mode == 0o400)
        #expect(try WalletKey.fromFile(destination).address == key.address)
        #expect(try TronPrivateKey(hex: Self.secret).address == key.address)
        // Run again (an init container restarted): the same key is already there, which is success.
        #expect(try WalletKey.install(from: source, to: destination).address == key.address)
        // Another key is never written over the installed one.
        let other = try temporaryPath()
        try WalletKey.write(TronPrivateKey.generate(), to: other)
        #expect {
            try WalletKey.install(from: other, to: destination)
        } throws: { error in
            "\(error)".contains("it exists and does not hold the same key")
        }
        #expect(try WalletKey.fromFile(destination).address == key.address)
    }

    @Test("install refuses a world-readable source and one without a key, and creates nothing")
    func installRefuses() throws {
        let source = try temporaryPath()
        let destination = source + ".installed"
        try Data(Self.secret.utf8).write(to: URL(fileURLWithPath: source))
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: source)
        #expect {
            try WalletKey.install(from: source, to: destination)
        } throws: { error in
            "\(error)"
                == "configuration error: \(source): has mode 0444; a key to install may be readable by its group, "
                + "never by others"
        }
        let notKey = String(repeating: "zz", count: 32)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: source)
        try Data(notKey.utf8).write(to: URL(fileURLWithPath: source))
        #expect {
            try WalletKey.install(from: source, to: destination)
        } throws: { error in
            "\(error)".contains("does not hold a key") && !"\(error)".contains(notKey)
        }
        #expect(!FileManager.default.fileExists(atPath: destination))
    }

    @Test("a missing file or one without a key names the path and never the contents")
    func unreadable() throws {
        let path = try temporaryPath()
        #expect(throws: WalletKeyError.self) { try WalletKey.fromFile(path) }
        let notKey = String(repeating: "zz", count: 32)
        try Data(notKey.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect {
            try WalletKey.fromFile(path)
        } throws: { error in
            "\(error)".contains("\(path) does not hold a key") && !"\(error)".contains(notKey)
        }
    }

    @Test("the environment key only where allowed; neither set names wallet.key_file")
    func environmentKey() throws {
        let environment = [WalletKey.environmentVariable: Self.secret]
        let key = try WalletKey.load(keyFile: nil, environment: environment, allowsEnvironmentKey: true)
        #expect(key.exportHex() == Self.secret)
        #expect(throws: WalletKeyError.environmentKeyNotAllowed) {
            try WalletKey.load(keyFile: nil, environment: environment, allowsEnvironmentKey: false)
        }
        #expect(
            WalletKeyError.environmentKeyNotAllowed.description
                == "configuration error: PAYMENT_RPC_WALLET_PRIVATE_KEY: is only allowed in development; use "
                + "wallet.key_file (mode 0600) in production")
        #expect(throws: WalletKeyError.missing) {
            try WalletKey.load(keyFile: nil, environment: [:], allowsEnvironmentKey: true)
        }
        #expect(
            WalletKeyError.missing.description
                == "configuration error: wallet.key_file: is required when processor.enabled is true (or "
                + "PAYMENT_RPC_WALLET_PRIVATE_KEY in development)")
        #expect {
            try WalletKey.load(
                keyFile: nil, environment: [WalletKey.environmentVariable: "not-a-key"], allowsEnvironmentKey: true)
        } throws: { error in
            (error as? WalletKeyError)?.setting == WalletKey.environmentVariable && !"\(error)".contains("not-a-key")
        }
    }

    @Test("a key file wins over the environment key")
    func fileFirst() throws {
        let path = try temporaryPath()
        let key = TronPrivateKey.generate()
        try WalletKey.write(key, to: path)
        let loaded = try WalletKey.load(
            keyFile: path, environment: [WalletKey.environmentVariable: Self.secret], allowsEnvironmentKey: true)
        #expect(loaded.address == key.address)
    }
}
