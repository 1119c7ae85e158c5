import Logging
import PaymentStorePostgres
import ServiceLifecycle

/// LISTENs for the shared ledger's "a payout became due" notifications and wakes the processor; polling stays
/// the fallback (`ProcessorWakeup`).
struct DuePayoutListener: Service {
    let ledger: PostgresLedger
    let wakeup: ProcessorWakeup

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await ledger.listenForDuePayouts { wakeup.signal() }
        }
    }
}
