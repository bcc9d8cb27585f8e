// The LedgerCLI module.
