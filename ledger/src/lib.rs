//! probity-ledger
