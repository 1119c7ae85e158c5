import Metrics
import NIOCore
import NIOHPACK
import NIOHTTP2

/// Sent to the other side of a relay when a side's writability changes: a side stops reading while its peer
/// cannot take more, so a slow reader (or a slow upstream) holds frames in HTTP/2 flow control, where the
/// sender's window bounds them, instead of in the sidecar's memory. The two stream channels may live on different
/// event loops; the event is delivered through the peer's pipeline, which hops.
struct RelayPeerWritability: Sendable, Equatable {
    var isWritable: Bool
}

/// Holds `read()` while the relay's peer is not writable (NIO's glue-handler pattern across two channels).
struct ReadGate {
    private(set) var peerWritable = true
    private(set) var readPending = false

    /// Whether to pass a `read()` on now; otherwise it is held until the peer becomes writable.
    mutating func shouldRead() -> Bool {
        if peerWritable { return true }
        readPending = true
        return false
    }

    /// Records the peer's writability; true when a held `read()` should be issued now.
    mutating func peerWritabilityChanged(_ isWritable: Bool) -> Bool {
        peerWritable = isWritable
        guard isWritable, readPending else { return false }
        readPending = false
        return true
    }
}

/// One side of a relay: the peer stream its frames are written to, the gate that holds `read()` while that peer is
/// not writable, and whether a flush of the peer is owed. The backpressure and flush handling is the same on both
/// sides, so it is written once here; each side implements `channelRead` and `channelInactive`.
protocol RelaySide: ChannelDuplexHandler {
    /// The other side's stream channel.
    var peer: Channel { get }
    /// Holds reads while `peer` cannot take more.
    var gate: ReadGate { get set }
    /// Set by `channelRead` after writing to `peer`; the read batch's end flushes once.
    var wroteSinceFlush: Bool { get set }
}

extension RelaySide {
    /// A side added while its own channel is not writable stops the peer reading at once.
    func handlerAdded(context: ChannelHandlerContext) {
        if !context.channel.isWritable {
            peer.pipeline.fireUserInboundEventTriggered(RelayPeerWritability(isWritable: false))
        }
    }

    /// Flushes the peer once per read batch, when something was written.
    func channelReadComplete(context: ChannelHandlerContext) {
        if wroteSinceFlush {
            wroteSinceFlush = false
            peer.flush()
        }
        context.fireChannelReadComplete()
    }

    /// Passes a read on unless the peer is not writable (then it is held).
    func read(context: ChannelHandlerContext) {
        if gate.shouldRead() { context.read() }
    }

    /// Tells the peer whether this side can take more.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        peer.pipeline.fireUserInboundEventTriggered(RelayPeerWritability(isWritable: context.channel.isWritable))
        context.fireChannelWritabilityChanged()
    }

    /// The peer's writability: a held read is issued once it is writable again; other events pass on.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let peer = event as? RelayPeerWritability else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if gate.peerWritabilityChanged(peer.isWritable) { context.read() }
    }
}

/// The caller's side of a relayed call, installed on the caller's stream once the upstream stream is open:
/// relays every later frame to the upstream stream, stripping the caller's `x-lucid-*` from every HEADERS frame
/// (trailers included: only the first HEADERS carries the identity the sidecar proved), with backpressure.
final class CallerRelayHandler: RelaySide {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    let upstream: Channel
    var gate = ReadGate()
    var wroteSinceFlush = false
    var peer: Channel { upstream }

    init(upstream: Channel) { self.upstream = upstream }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        upstream.write(Self.strippingCallerMetadata(unwrapInboundIn(data)), promise: nil)
        wroteSinceFlush = true
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The caller finished or cancelled (RST_STREAM): an unfinished upstream stream is reset too.
        upstream.close(promise: nil)
        context.fireChannelInactive()
    }

    /// A frame from the caller as it may reach the upstream: HEADERS lose every `x-lucid-*` field.
    static func strippingCallerMetadata(_ payload: HTTP2Frame.FramePayload) -> HTTP2Frame.FramePayload {
        guard case .headers(var headers) = payload,
            headers.headers.contains(where: { $0.name.lowercased().hasPrefix("x-lucid-") })
        else { return payload }
        var kept = HPACKHeaders()
        for (name, value, indexable) in headers.headers where !name.lowercased().hasPrefix("x-lucid-") {
            kept.add(name: name, value: value, indexing: indexable)
        }
        headers.headers = kept
        return .headers(headers)
    }
}

/// The upstream's side: relays its frames back to the caller's stream, with backpressure (a caller that reads
/// slowly stops the sidecar reading from the upstream, so the upstream's stream window fills instead of the
/// sidecar's buffers); when it closes, so does the caller's stream.
final class RelayBackHandler: RelaySide {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    let downstream: Channel
    let startedAt: ContinuousClock.Instant
    let latency: Metrics.Timer
    var sawHeaders = false
    var gate = ReadGate()
    var wroteSinceFlush = false
    private var relayedEnd = false
    var peer: Channel { downstream }

    init(downstream: Channel, startedAt: ContinuousClock.Instant, latency: Metrics.Timer) {
        self.downstream = downstream
        self.startedAt = startedAt
        self.latency = latency
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let payload = unwrapInboundIn(data)
        if !sawHeaders, case .headers = payload {
            sawHeaders = true
            let elapsed = ContinuousClock.now - startedAt
            latency.recordNanoseconds(
                elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        }
        if payload.endsStream {
            // Close the caller's stream only once its last frame has left HTTP/2 flow control: closing earlier would
            // reset the stream and drop what a slow reader has not received yet.
            relayedEnd = true
            let written = downstream.eventLoop.makePromise(of: Void.self)
            let downstream = self.downstream
            written.futureResult.whenComplete { _ in downstream.close(promise: nil) }
            downstream.write(payload, promise: written)
        } else {
            downstream.write(payload, promise: nil)
        }
        wroteSinceFlush = true
    }

    func channelInactive(context: ChannelHandlerContext) {
        downstream.flush()
        // An upstream stream that ended without END_STREAM (reset, connection lost) resets the caller's stream.
        if !relayedEnd { downstream.close(promise: nil) }
        context.fireChannelInactive()
    }
}

extension HTTP2Frame.FramePayload {
    /// Whether this frame carries END_STREAM.
    var endsStream: Bool {
        switch self {
        case .headers(let headers): headers.endStream
        case .data(let data): data.endStream
        default: false
        }
    }
}
