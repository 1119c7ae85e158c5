import Crypto
import Foundation
import SwiftASN1
import X509

/// A development CA and the certificates it issues for plane/service identities (real mTLS for the local stack and
/// the tests). Keys are P-256; private key files are written with mode 0600.
public struct DevCertificateAuthority {
    /// The CA's self-signed certificate (written to `ca.pem`), the trust root the sidecars' `tls.ca` names.
    public let certificate: Certificate
    let key: P256.Signing.PrivateKey

    /// A new CA valid for a year.
    public static func make(name: String = "Lucid development CA") throws -> DevCertificateAuthority {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(365 * 86_400),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(key))
        return DevCertificateAuthority(certificate: certificate, key: key)
    }

    /// Loads a CA written by `write(to:)`.
    public static func load(directory: String) throws -> DevCertificateAuthority {
        let certificate = try Certificate(pemEncoded: String(contentsOfFile: directory + "/ca.pem", encoding: .utf8))
        let key = try P256.Signing.PrivateKey(
            pemRepresentation: String(contentsOfFile: directory + "/ca.key", encoding: .utf8))
        return DevCertificateAuthority(certificate: certificate, key: key)
    }

    /// The CA in `directory` when one loads from there, else a new one written there (`created` true). A CA
    /// that does not load (absent, unreadable, malformed) is replaced. - Throws: when the new CA cannot be written.
    public static func loadOrMake(directory: String) throws -> (authority: DevCertificateAuthority, created: Bool) {
        if let existing = try? load(directory: directory) { return (existing, false) }
        let authority = try make()
        try authority.write(to: directory)
        return (authority, true)
    }

    /// Issues a certificate for an identity, usable as client and server, with `localhost`, 127.0.0.1 and
    /// `dnsNames` (host names callers dial, such as a compose service name) as its names.
    public func issue(
        _ identity: SpiffeID, dnsNames: [String] = []
    ) throws -> (certificate: Certificate, key: P256.Signing.PrivateKey) {
        if let bad = dnsNames.first(where: { !Self.isValidDNSName($0) }) {
            throw DevCertificateError(message: "not a host name a certificate can carry: \(bad)")
        }
        let key = P256.Signing.PrivateKey()
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(90 * 86_400),
            issuer: self.certificate.subject,
            subject: try DistinguishedName { CommonName("\(identity.plane)/\(identity.service)") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyAgreement: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                SubjectAlternativeNames(
                    [
                        .uniformResourceIdentifier(identity.uri), .dnsName("localhost"),
                        .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                    ] + dnsNames.filter { $0 != "localhost" }.map { .dnsName($0) })
            },
            issuerPrivateKey: .init(self.key))
        return (certificate, key)
    }

    /// Whether `name` can be a certificate's DNS name: at most 253 characters, dot-separated labels of 1 to 63
    /// letters, digits and inner hyphens.
    public static func isValidDNSName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        func isHostCharacter(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "-"
        }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy(isHostCharacter)
        }
    }

    /// Writes ca.pem and ca.key (0600).
    public func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try certificate.serializeAsPEM().pemString.write(
            toFile: directory + "/ca.pem", atomically: true, encoding: .utf8)
        try Self.writeSecret(key.pemRepresentation, to: directory + "/ca.key")
    }

    /// Writes <plane>-<service>.pem and .key (0600) for an identity, named as in `issue(_:dnsNames:)`; returns their
    /// paths.
    @discardableResult
    public func writeIssued(
        _ identity: SpiffeID, dnsNames: [String] = [], to directory: String
    ) throws -> (certificate: String, key: String) {
        let (certificate, key) = try issue(identity, dnsNames: dnsNames)
        let base = directory + "/\(identity.plane)-\(identity.service)"
        try certificate.serializeAsPEM().pemString.write(toFile: base + ".pem", atomically: true, encoding: .utf8)
        try Self.writeSecret(key.pemRepresentation, to: base + ".key")
        return (base + ".pem", base + ".key")
    }

    static func writeSecret(_ text: String, to path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}

/// A development certificate that cannot be issued as asked.
public struct DevCertificateError: Error, CustomStringConvertible {
    /// What was wrong.
    public let message: String
    /// The message.
    public var description: String { message }
}

extension Certificate {
    /// The SPIFFE identities in the URI SANs.
    public var spiffeIDs: [SpiffeID] {
        guard let names = try? extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            if case .uniformResourceIdentifier(let uri) = name { return SpiffeID(uri: uri) }
            return nil
        }
    }
}
