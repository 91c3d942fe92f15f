"""`python -m quanhub.ledger.dispatcher`: run the webhook dispatcher worker."""

from quanhub.ledger.dispatcher.app import main

main()
