import NIOCore
import NIOPosix
import Synchronization

/// What the test proxy was asked for: one entry per tunnel.
struct ProxiedConnection: Sendable, Equatable {
    /// "socks5" or "http".
    var kind: String
    /// The target as the client sent it; for SOCKS5 `addressType` says whether a name or an address.
    var host: String
    var port: Int
    /// SOCKS5 ATYP (1 IPv4, 3 domain name, 4 IPv6); 0 for HTTP CONNECT.
    var addressType: UInt8
}

/// A minimal in-process proxy on 127.0.0.1 (a free port) that speaks SOCKS5 (no authentication, CONNECT only) and
/// HTTP CONNECT, recognised by the first byte, then relays bytes both ways. It records every tunnel it opens.
final class TestProxy: Sendable {
    let port: Int
    private let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let log = Mutex<[ProxiedConnection]>([])

    var connections: [ProxiedConnection] { log.withLock { $0 } }

    private init(server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>) {
        self.server = server
        self.port = server.channel.localAddress?.port ?? 0
    }

    /// Runs `body` with a listening proxy; the proxy and its tunnels are closed when `body` returns.
    static func with<T: Sendable>(_ body: @Sendable (TestProxy) async throws -> T) async throws -> T {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let proxy = TestProxy(server: server)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await proxy.serve() }
            defer { group.cancelAll() }
            let result = try await body(proxy)
            try? await server.channel.close()
            return result
        }
    }

    private func serve() async {
        try? await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { inbound in
                for try await connection in inbound {
                    group.addTask { try? await self.tunnel(connection) }
                }
            }
        }
    }

    private struct Closed: Error {}

    private func tunnel(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var reader = Reader(iterator: inbound.makeAsyncIterator())
            let target: ProxiedConnection
            if try await reader.peek() == 5 {
                target = try await socks5(&reader, outbound)
            } else {
                target = try await httpConnect(&reader, outbound)
            }
            log.withLock { $0.append(target) }
            let upstream = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: target.host, port: target.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            try await upstream.executeThenClose { upInbound, upOutbound in
                if reader.buffer.readableBytes > 0 { try await upOutbound.write(reader.buffer) }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await chunk in upInbound { try await outbound.write(chunk) }
                        outbound.finish()
                    }
                    var iterator = reader.iterator
                    while let chunk = try await iterator.next() { try await upOutbound.write(chunk) }
                    group.cancelAll()
                }
            }
        }
    }

    /// Greeting (no authentication), then CONNECT to an IPv4 address, a name or an IPv6 address.
    private func socks5(_ reader: inout Reader, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws
        -> ProxiedConnection
    {
        let methods = try await reader.take(2)[1]
        _ = try await reader.take(Int(methods))
        try await outbound.write(ByteBuffer(bytes: [5, 0]))
        let request = try await reader.take(4)
        guard request[0] == 5, request[1] == 1 else { throw Closed() }
        let host: String
        switch request[3] {
        case 1: host = try await reader.take(4).map(String.init).joined(separator: ".")
        case 3:
            let length = Int(try await reader.take(1)[0])
            host = String(decoding: try await reader.take(length), as: UTF8.self)
        case 4:
            let bytes = try await reader.take(16)
            host = stride(from: 0, to: 16, by: 2).map {
                String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
            }
            .joined(separator: ":")
        default: throw Closed()
        }
        let port = try await reader.take(2).reduce(0) { $0 << 8 | Int($1) }
        try await outbound.write(ByteBuffer(bytes: [5, 0, 0, 1, 0, 0, 0, 0, 0, 0]))
        return ProxiedConnection(kind: "socks5", host: host, port: port, addressType: request[3])
    }

    /// `CONNECT host:port HTTP/1.1`, headers up to the blank line, then `200`.
    private func httpConnect(_ reader: inout Reader, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>)
        async throws -> ProxiedConnection
    {
        let head = try await reader.takeHead()
        let words = head.split(separator: "\r\n").first?.split(separator: " ") ?? []
        guard words.count == 3, words[0] == "CONNECT", let colon = words[1].lastIndex(of: ":"),
            let port = Int(words[1][words[1].index(after: colon)...])
        else { throw Closed() }
        try await outbound.write(ByteBuffer(string: "HTTP/1.1 200 Connection Established\r\n\r\n"))
        return ProxiedConnection(kind: "http", host: String(words[1][..<colon]), port: port, addressType: 0)
    }

    /// Buffered reads over a connection's inbound stream.
    private struct Reader {
        var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        var buffer = ByteBuffer()

        mutating func fill(_ count: Int) async throws {
            while buffer.readableBytes < count {
                guard var more = try await iterator.next() else { throw Closed() }
                buffer.writeBuffer(&more)
            }
        }

        mutating func peek() async throws -> UInt8 {
            try await fill(1)
            return buffer.getInteger(at: buffer.readerIndex)!
        }

        mutating func take(_ count: Int) async throws -> [UInt8] {
            try await fill(count)
            return buffer.readBytes(length: count)!
        }

        mutating func takeHead() async throws -> String {
            while true {
                let text = String(buffer: buffer)
                if let end = text.range(of: "\r\n\r\n") {
                    let length = text[..<end.upperBound].utf8.count
                    return buffer.readString(length: length)!
                }
                guard buffer.readableBytes < 16_384 else { throw Closed() }
                try await fill(buffer.readableBytes + 1)
            }
        }
    }
}
