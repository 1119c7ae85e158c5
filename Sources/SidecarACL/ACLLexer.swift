/// A position in a policy file, 1-based.
public struct SourcePosition: Sendable, Equatable, CustomStringConvertible {
    /// The line, from 1 (0 only when the file could not be read at all).
    public var line: Int
    /// The column, from 1, counted in Characters (grapheme clusters), not bytes.
    public var column: Int
    /// "line:column".
    public var description: String { "\(line):\(column)" }
}

/// A parse or validation error: file, line, column and what was expected.
public struct ACLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The policy or cases file as named by the caller (the path given to the sidecar).
    public var file: String
    /// Where the problem is: the offending token, or the start of the rule a missing key belongs to.
    public var position: SourcePosition
    /// What was wrong and what was expected instead ("unknown key 'x'; expected one of …").
    public var message: String

    /// "file:line:column: message", the form editors and compilers use; what the sidecar logs and prints.
    public var description: String { "\(file):\(position.line):\(position.column): \(message)" }
}

/// Tokens of the policy language.
enum ACLToken: Equatable {
    case identifier(String)
    case string(String)
    case symbol(Character)
    case end

    var shown: String {
        switch self {
        case .identifier(let name): "'\(name)'"
        case .string(let text): "\"\(text)\""
        case .symbol(let character): "'\(character)'"
        case .end: "end of file"
        }
    }
}

/// Splits policy text into tokens with positions. `#` and `//` start comments to the end of the line.
struct ACLLexer {
    let file: String
    private let characters: [Character]
    private var index = 0
    private var line = 1
    private var column = 1

    init(text: String, file: String) {
        self.file = file
        self.characters = Array(text)
    }

    mutating func tokens() throws(ACLError) -> [(ACLToken, SourcePosition)] {
        var result: [(ACLToken, SourcePosition)] = []
        while true {
            skipSpaceAndComments()
            let position = SourcePosition(line: line, column: column)
            guard index < characters.count else {
                result.append((.end, position))
                return result
            }
            let character = characters[index]
            if "{}[]=,".contains(character) {
                advance()
                result.append((.symbol(character), position))
            } else if character == "\"" {
                result.append((.string(try string(from: position)), position))
            } else if character.isLetter || character == "_" {
                var name = ""
                while index < characters.count,
                    characters[index].isLetter || characters[index].isNumber || characters[index] == "_"
                {
                    name.append(characters[index])
                    advance()
                }
                result.append((.identifier(name), position))
            } else {
                throw ACLError(file: file, position: position, message: "unexpected character '\(character)'")
            }
        }
    }

    private mutating func string(from start: SourcePosition) throws(ACLError) -> String {
        advance()  // opening quote
        var text = ""
        while index < characters.count {
            let character = characters[index]
            if character == "\"" {
                advance()
                return text
            }
            if character == "\n" { break }
            if character == "\\", index + 1 < characters.count {
                advance()
                text.append(characters[index])
                advance()
                continue
            }
            text.append(character)
            advance()
        }
        throw ACLError(
            file: file, position: start, message: "unterminated string: expected a closing '\"' on the same line")
    }

    private mutating func skipSpaceAndComments() {
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace {
                advance()
            } else if character == "#"
                || (character == "/" && index + 1 < characters.count && characters[index + 1] == "/")
            {
                while index < characters.count, characters[index] != "\n" { advance() }
            } else {
                return
            }
        }
    }

    private mutating func advance() {
        if characters[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }
}
