import PayCtlCommands

await PayCtl.main()
