"""Bank connections through PSD2 account-information aggregators, without Django.

`base` holds the `Connector` interface and its records, `http` the transports, `gocardless` the
GoCardless Bank Account Data client, `sync` the pull that turns a connected account into a
`tenue.core.bank.StatementFile` for the bank app. See docs/bank-connections.md.
"""
