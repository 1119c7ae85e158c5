import PayCtlCommands

/// The payctl executable: payctl's commands (PayCtlCommands), which payment-rpc also runs when called as payctl.
@main
enum PayCtlMain {
    static func main() async {
        await PayCtl.main()
    }
}
