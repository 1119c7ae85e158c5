import Foundation
import GRDB

/// A value read from a ledger row, for copying it to another store.
public enum ExportedValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])
}

/// A row holds what the ledger never writes.
public struct UnexpectedValue: Error, CustomStringConvertible {
    /// The problem in words, for logs and operators.
    public var description: String
}

/// A consistent snapshot of a SQLite ledger to copy rows from (`payctl ledger copy`): every read sees the ledger as
/// of `SQLiteLedger.export()`, whatever is written to it meanwhile.
public final class SQLiteLedgerExport: Sendable {
    private let snapshot: DatabaseSnapshot

    init(snapshot: DatabaseSnapshot) { self.snapshot = snapshot }

    /// `SELECT COUNT(*) FROM table` in the snapshot. `table` is one of the ledger's own names, never input.
    public func count(_ table: String) throws -> Int {
        try snapshot.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
    }

    /// Up to `limit` rows of `table` after `rowID` in rowid order, as `columns` (SQL expressions over the table's
    /// columns), and the last rowid read (nil when none was).
    public func rows(_ table: String, columns: [String], after rowID: Int64, limit: Int) throws
        -> (lastRowID: Int64?, rows: [[ExportedValue]])
    {
        try snapshot.read { db in
            let sql =
                "SELECT rowid AS _rowid, \(columns.joined(separator: ", ")) FROM \(table) WHERE rowid > ? ORDER BY rowid LIMIT ?"
            var last: Int64?
            let rows = try Row.fetchAll(db, sql: sql, arguments: [rowID, limit]).map { row -> [ExportedValue] in
                last = row["_rowid"]
                return try (1..<row.count).map { index throws -> ExportedValue in
                    switch (row[index] as DatabaseValue).storage {
                    case .null: return .null
                    case .int64(let integer): return .integer(integer)
                    case .string(let text): return .text(text)
                    case .blob(let data): return .blob([UInt8](data))
                    case .double:
                        // The ledger stores integers only (amounts above all): a REAL is damage, not something to round.
                        throw UnexpectedValue(
                            description: "\(table).\(columns[index - 1]) holds a floating-point value")
                    }
                }
            }
            return (last, rows)
        }
    }
}

extension SQLiteLedger {
    /// A snapshot to copy the ledger from.
    public func export() throws -> SQLiteLedgerExport { SQLiteLedgerExport(snapshot: try pool.makeSnapshot()) }
}
