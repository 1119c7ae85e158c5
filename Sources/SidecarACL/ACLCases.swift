import Foundation

/// One expected decision of a cases file (`acl/wallet_plane.cases`), which `beta-sidecar acl test` runs against a
/// policy. A cases file holds one per line: `allow|deny <plane>/<service> <plane>/<service> <method>` (caller,
/// callee, gRPC method path). `#` starts a comment.
public struct ACLCase: Sendable, Equatable {
    /// True for an `allow` line: the policy must allow `call`; false for `deny`.
    public var expectAllow: Bool
    /// The call to decide: the two endpoints and the gRPC method path of the line.
    public var call: ACLCall
    /// The 1-based line of the case in its file, for mismatch reports.
    public var line: Int

    /// Parses a cases file (`acl/*.cases`, read by `beta-sidecar acl test`). Blank and comment-only lines are
    /// skipped. Throws `ACLError` naming `file` and the line of the first malformed one (column always 1).
    public static func parse(_ text: String, file: String) throws(ACLError) -> [ACLCase] {
        var cases: [ACLCase] = []
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard !fields.isEmpty else { continue }
            let position = SourcePosition(line: offset + 1, column: 1)
            guard fields.count == 4, fields[0] == "allow" || fields[0] == "deny",
                let from = ACLCase.endpoint(fields[1]), let to = ACLCase.endpoint(fields[2])
            else {
                throw ACLError(
                    file: file, position: position,
                    message: "expected 'allow|deny <plane>/<service> <plane>/<service> <method>'")
            }
            cases.append(
                ACLCase(
                    expectAllow: fields[0] == "allow",
                    call: ACLCall(
                        sourcePlane: from.0, sourceService: from.1, targetPlane: to.0, targetService: to.1,
                        method: fields[3]),
                    line: offset + 1))
        }
        return cases
    }

    /// Splits "plane/service" into its two non-empty parts; nil for anything else (no globs are checked here).
    public static func endpoint(_ text: String) -> (String, String)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }
}
