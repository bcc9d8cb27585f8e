print("oda-ledger")
