import Foundation
import Logging
import Metrics
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOSSL
import SidecarACL
import X509

/// One inbound gRPC stream: reads `:path`, proves the caller from the connection's client certificate, decides with
/// the plane ACL, then opens an upstream stream and hands the caller's stream over to a `CallerRelayHandler`,
/// which relays HTTP/2 frames without decoding messages. Denials and an unhealthy upstream get trailers-only
/// responses (PERMISSION_DENIED naming the rule, UNAVAILABLE). While the upstream stream is being opened, the
/// caller's stream is not read (its frames wait in HTTP/2 flow control, not here).
final class ProxyStreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    enum State {
        case awaitingHeaders
        case connecting(buffered: [HTTP2Frame.FramePayload])
        case relayed
        case finished
    }

    let context: SidecarContext
    var state = State.awaitingHeaders
    var startedAt = ContinuousClock.now
    var readPending = false

    init(context: SidecarContext) { self.context = context }

    func channelRead(context channelContext: ChannelHandlerContext, data: NIOAny) {
        let payload = unwrapInboundIn(data)
        switch state {
        case .awaitingHeaders:
            guard case .headers(let request) = payload else {
                channelContext.close(promise: nil)
                return
            }
            begin(channelContext, request: request)
        case .connecting(var buffered):
            // Frames of the read that carried the first HEADERS (or forced out by the stream closing).
            buffered.append(CallerRelayHandler.strippingCallerMetadata(payload))
            state = .connecting(buffered: buffered)
        case .relayed, .finished:
            break
        }
    }

    func read(context channelContext: ChannelHandlerContext) {
        if case .connecting = state {
            readPending = true
            return
        }
        channelContext.read()
    }

    func channelInactive(context channelContext: ChannelHandlerContext) {
        state = .finished
        channelContext.fireChannelInactive()
    }

    private func begin(_ channelContext: ChannelHandlerContext, request: HTTP2Frame.FramePayload.Headers) {
        startedAt = ContinuousClock.now
        let path = request.headers.first(name: ":path") ?? ""
        guard let identity = peerIdentity(of: channelContext.channel) else {
            deny(
                channelContext,
                message:
                    "no valid identity: the client certificate carries no spiffe://\(context.trustDomain)/plane/<plane>/service/<service> URI",
                rule: "identity")
            return
        }
        let call = ACLCall(
            sourcePlane: identity.plane, sourceService: identity.service, targetPlane: context.targetPlane,
            targetService: context.targetService, method: path)
        let decision = context.policy.current.decide(call)
        for rule in decision.matched where rule.mode == .shadow {
            context.metrics.shadow(rule: rule.name, action: rule.action.rawValue)
            context.logger.info(
                "shadow rule matched",
                metadata: [
                    "rule": "\(rule.name)", "action": "\(rule.action.rawValue)",
                    "from": "\(identity.plane)/\(identity.service)", "method": "\(path)",
                ])
        }
        let ruleLabel = decision.decidingRule?.name ?? "default-deny"
        guard decision.allowed else {
            context.metrics.call(rule: ruleLabel, decision: "deny")
            context.logger.notice(
                "call denied",
                metadata: [
                    "from": "\(identity.plane)/\(identity.service)", "method": "\(path)", "rule": "\(ruleLabel)",
                ])
            deny(channelContext, message: "permission denied by \(decision.ruleDescription)", rule: ruleLabel)
            return
        }
        guard context.health.isServing else {
            context.metrics.call(rule: ruleLabel, decision: "unavailable")
            respond(
                channelContext, status: GRPCStatusResponse.unavailable,
                message: "upstream \(context.targetPlane)/\(context.targetService) is not healthy")
            return
        }
        context.metrics.call(rule: ruleLabel, decision: "allow")
        let headers = Self.rewrite(request.headers, identity: identity, mayAssertUser: decision.mayAssertUser)
        state = .connecting(buffered: [
            .headers(.init(headers: headers, priorityData: request.priorityData, endStream: request.endStream))
        ])

        let downstream = channelContext.channel
        let started = startedAt
        let latency = context.metrics.upstreamLatency
        context.upstream.openStream { upstreamStream in
            upstreamStream.pipeline.addHandler(
                RelayBackHandler(downstream: downstream, startedAt: started, latency: latency))
        }.hop(to: channelContext.eventLoop).whenComplete { [self] result in
            switch (result, state) {
            case (.success(let upstream), .connecting(let buffered)):
                state = .relayed
                for payload in buffered { upstream.write(payload, promise: nil) }
                upstream.flush()
                handOver(channelContext, to: upstream)
            case (.success(let upstream), _):
                upstream.close(promise: nil)  // the caller went away meanwhile
            case (.failure(let error), _):
                context.logger.warning("upstream connection failed", metadata: ["error": "\(error)"])
                respond(
                    channelContext, status: GRPCStatusResponse.unavailable,
                    message: "upstream \(context.targetPlane)/\(context.targetService) is unreachable")
            }
        }
    }

    /// Replaces this handler with the relay; a read held while connecting is issued now.
    private func handOver(_ channelContext: ChannelHandlerContext, to upstream: Channel) {
        let relay = CallerRelayHandler(upstream: upstream)
        if !upstream.isWritable { _ = relay.gate.peerWritabilityChanged(false) }
        do {
            try channelContext.pipeline.syncOperations.addHandler(relay)
            channelContext.pipeline.syncOperations.removeHandler(context: channelContext, promise: nil)
        } catch {
            context.logger.warning("relay could not be installed", metadata: ["error": "\(error)"])
            upstream.close(promise: nil)
            channelContext.close(promise: nil)
            return
        }
        if readPending {
            readPending = false
            channelContext.channel.read()
        }
    }

    private func deny(_ channelContext: ChannelHandlerContext, message: String, rule: String) {
        respond(channelContext, status: GRPCStatusResponse.permissionDenied, message: message)
    }

    private func respond(_ channelContext: ChannelHandlerContext, status: Int, message: String) {
        state = .finished
        channelContext.writeAndFlush(
            wrapOutboundOut(GRPCStatusResponse.trailersOnly(status: status, message: message)), promise: nil)
    }

    /// Strips every `x-lucid-*` the caller sent, sets the proven identity, keeps the end-user assertion only when
    /// the deciding rule allows it, and keeps or makes `x-request-id`.
    static func rewrite(_ headers: HPACKHeaders, identity: SpiffeID, mayAssertUser: Bool) -> HPACKHeaders {
        var rewritten = HPACKHeaders()
        var requestID: String?
        var user: [(String, String)] = []
        for (name, value, indexable) in headers {
            let lower = name.lowercased()
            if lower == "x-request-id" {
                if requestID == nil, isValidRequestID(value) { requestID = value }
                continue
            }
            if lower.hasPrefix("x-lucid-") {
                if lower == "x-lucid-user-id" || lower == "x-lucid-user-role" { user.append((lower, value)) }
                continue
            }
            rewritten.add(name: name, value: value, indexing: indexable)
        }
        rewritten.add(name: "x-lucid-source-plane", value: identity.plane)
        rewritten.add(name: "x-lucid-source-service", value: identity.service)
        if mayAssertUser { for (name, value) in user { rewritten.add(name: name, value: value) } }
        rewritten.add(name: "x-request-id", value: requestID ?? UUID().uuidString.lowercased())
        return rewritten
    }

    static func isValidRequestID(_ value: String) -> Bool {
        (1...128).contains(value.utf8.count)
            && value.utf8.allSatisfy {
                $0 < 128
                    && (Character(Unicode.Scalar($0)).isLetter || Character(Unicode.Scalar($0)).isNumber
                        || "-_.".utf8.contains($0))
            }
    }

    /// The caller's SPIFFE identity in our trust domain, from the connection's verified client certificate.
    private func peerIdentity(of stream: Channel) -> SpiffeID? {
        guard let connection = stream.parent,
            let tls = try? connection.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
            let peer = tls.peerCertificate,
            let der = try? peer.toDERBytes(),
            let certificate = try? Certificate(derEncoded: der)
        else { return nil }
        return certificate.spiffeIDs.first { $0.trustDomain == context.trustDomain }
    }
}
