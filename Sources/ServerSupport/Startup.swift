import Foundation

/// How a program stops when it cannot start: one line on stderr, exit code 2 (the code for a usage or
/// configuration error), before anything is served.
public enum Startup {
    /// Writes `PROGRAM: ERROR` to stderr and exits with code 2.
    public static func exit(program: String, _ error: any Error) -> Never {
        FileHandle.standardError.write(Data("\(program): \(error)\n".utf8))
        Foundation.exit(2)
    }

    /// Returns `body()`'s value, or stops the program as `exit(program:_:)` does when it throws.
    public static func orExit<Value>(program: String, _ body: () throws -> Value) -> Value {
        do {
            return try body()
        } catch {
            exit(program: program, error)
        }
    }
}
