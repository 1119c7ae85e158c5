import Metrics
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Testing

@testable import BetaSidecar

/// Counts the `read()` calls that reach the head of a pipeline (what the channel would actually read).
final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload
    var reads = 0

    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}

/// The relay between a caller's stream and the upstream stream, on embedded channels sharing one loop.
struct Relay {
    let loop = EmbeddedEventLoop()
    let caller: EmbeddedChannel
    let upstream: EmbeddedChannel
    let callerReads = ReadCounter()
    let upstreamReads = ReadCounter()

    init() throws {
        caller = EmbeddedChannel(loop: loop)
        upstream = EmbeddedChannel(loop: loop)
        try caller.pipeline.syncOperations.addHandlers([callerReads, CallerRelayHandler(upstream: upstream)])
        try upstream.pipeline.syncOperations.addHandlers([
            upstreamReads,
            RelayBackHandler(downstream: caller, startedAt: .now, latency: Metrics.Timer(label: "test_latency")),
        ])
        try caller.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try upstream.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2)).wait()
    }

    static func headers(_ fields: [(String, String)], endStream: Bool) -> HTTP2Frame.FramePayload {
        .headers(.init(headers: HPACKHeaders(fields), endStream: endStream))
    }
}

@Suite("Sidecar relay: caller metadata and backpressure")
struct RelayHandlersTests {
    @Test("a caller's trailers lose every x-lucid-* field before they reach the upstream")
    func trailersAreStripped() throws {
        let relay = try Relay()
        try relay.caller.writeInbound(
            Relay.headers(
                [
                    ("x-lucid-user-id", "mallory"), ("X-Lucid-Source-Plane", "ops"), ("x-lucid-user-role", "admin"),
                    ("x-trace", "kept"),
                ], endStream: true))
        let sent = try #require(try relay.upstream.readOutbound(as: HTTP2Frame.FramePayload.self))
        guard case .headers(let trailers) = sent else {
            Issue.record("expected HEADERS, got \(sent)")
            return
        }
        #expect(trailers.endStream)
        #expect(trailers.headers.map { $0.name } == ["x-trace"])
    }

    @Test("DATA and later frames without x-lucid-* pass unchanged")
    func dataPasses() throws {
        let relay = try Relay()
        var buffer = ByteBuffer()
        buffer.writeString("message")
        try relay.caller.writeInbound(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(buffer))))
        let sent = try #require(try relay.upstream.readOutbound(as: HTTP2Frame.FramePayload.self))
        guard case .data(let data) = sent, case .byteBuffer(let bytes) = data.data else {
            Issue.record("expected DATA, got \(sent)")
            return
        }
        #expect(String(buffer: bytes) == "message")
    }

    @Test("the caller is not read while the upstream is not writable, and is read again when it is")
    func callerBackpressure() throws {
        let relay = try Relay()
        relay.upstream.isWritable = false
        relay.upstream.pipeline.fireChannelWritabilityChanged()
        let before = relay.callerReads.reads
        relay.caller.read()
        relay.caller.read()
        #expect(relay.callerReads.reads == before, "reads are held while the upstream cannot take more")
        relay.upstream.isWritable = true
        relay.upstream.pipeline.fireChannelWritabilityChanged()
        #expect(relay.callerReads.reads == before + 1, "one held read is issued when the upstream drains")
    }

    @Test("the upstream is not read while the caller is not writable (a slow reader), and is read again after")
    func upstreamBackpressure() throws {
        let relay = try Relay()
        relay.caller.isWritable = false
        relay.caller.pipeline.fireChannelWritabilityChanged()
        let before = relay.upstreamReads.reads
        relay.upstream.read()
        #expect(relay.upstreamReads.reads == before)
        relay.caller.isWritable = true
        relay.caller.pipeline.fireChannelWritabilityChanged()
        #expect(relay.upstreamReads.reads == before + 1)
    }

    @Test("the upstream's trailers are relayed whole, then the caller's stream closes once they are written")
    func endOfStream() throws {
        let relay = try Relay()
        try relay.upstream.writeInbound(
            Relay.headers([("grpc-status", "0"), ("x-lucid-error-field", "f")], endStream: true))
        let relayed = try #require(try relay.caller.readOutbound(as: HTTP2Frame.FramePayload.self))
        guard case .headers(let trailers) = relayed else {
            Issue.record("expected HEADERS, got \(relayed)")
            return
        }
        #expect(trailers.headers.first(name: "x-lucid-error-field") == "f", "the upstream's own metadata passes")
        relay.loop.run()
        #expect(!relay.caller.isActive)
    }

    @Test("the read gate holds at most one read and releases it once")
    func gate() {
        var gate = ReadGate()
        var answers: [Bool] = []
        answers.append(gate.shouldRead())
        answers.append(gate.peerWritabilityChanged(false))
        answers.append(gate.shouldRead())
        answers.append(gate.shouldRead())
        answers.append(gate.peerWritabilityChanged(true))
        answers.append(gate.peerWritabilityChanged(true))
        answers.append(gate.shouldRead())
        #expect(answers == [true, false, false, false, true, false, true])
    }
}
