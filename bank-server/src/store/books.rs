//! The double-entry books: balances, postings, statements and the totals check.

use std::collections::BTreeSet;

use halfpenny::ledger::{LedgerAccount, Posting, PostingKind};
use halfpenny::{Amount, Currency, KeyId, Timestamp};
use sqlx::Row;

use super::{Store, StoreError, Tx, to_i64};

/// One line of an account statement, as the bank's API shows it.
pub use halfpenny_bank_api::StatementLine;

/// The whole books, per currency, as the operator's API shows them.
pub use halfpenny_bank_api::Totals;

/// What an operator's posting was for: an idempotency key names exactly this.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
struct OperatorRequest {
    kind: String,
    debit: String,
    credit: String,
    currency: String,
    amount_minor: u64,
}

impl OperatorRequest {
    fn of(p: &Posting) -> Self {
        Self {
            kind: p.kind.code().to_owned(),
            debit: p.debit.to_string(),
            credit: p.credit.to_string(),
            currency: p.amount.currency().code().to_owned(),
            amount_minor: p.amount.minor(),
        }
    }
}

/// An operator posting's first answer, stored under its idempotency key
/// with the request it answered.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct OperatorAnswer {
    request: OperatorRequest,
    balance_minor: i64,
}

/// The first answer under a key, if `request` is the request it answered.
fn first_operator_answer(stored: &str, request: &OperatorRequest) -> Result<i64, StoreError> {
    // Stored by an older version, which kept the balance alone: what it
    // answered cannot be told, so it stays the answer.
    if let Ok(balance) = stored.parse::<i64>() {
        return Ok(balance);
    }
    let first: OperatorAnswer =
        serde_json::from_str(stored).map_err(|_| StoreError::Corrupt("operator answer"))?;
    if &first.request != request {
        return Err(StoreError::IdempotencyKeyReused);
    }
    Ok(first.balance_minor)
}

impl Store {
    /// Credits minus debits of an account.
    pub async fn balance(
        &self,
        account: LedgerAccount,
        currency: Currency,
    ) -> Result<i64, StoreError> {
        let row = self
            .query("SELECT balance FROM balances WHERE account = $1 AND currency = $2")
            .bind(account.to_string())
            .bind(currency.code().to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => r.try_get("balance")?,
            None => 0,
        })
    }

    /// A customer's balance as an amount the core can spend from (zero if overdrawn).
    pub async fn available(&self, who: KeyId, currency: Currency) -> Result<Amount, StoreError> {
        let b = self.balance(LedgerAccount::Customer(who), currency).await?;
        Ok(Amount::new(u64::try_from(b.max(0)).unwrap_or(0), currency))
    }

    /// Books one posting inside a transaction. A customer may not go below
    /// zero except by a chargeback.
    pub(super) async fn post(
        &self,
        tx: &mut Tx,
        p: &Posting,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        halfpenny::ledger::check_posting(p).map_err(|_| StoreError::Corrupt("posting"))?;
        let amount = to_i64(p.amount.minor())?;
        let currency = p.amount.currency().code().to_owned();
        let guarded = matches!(p.debit, LedgerAccount::Customer(_))
            && !matches!(p.kind, PostingKind::Chargeback(_));
        if guarded {
            let done = self
                .query("UPDATE balances SET balance = balance - $1 WHERE account = $2 AND currency = $3 AND balance >= $1")
                .bind(amount)
                .bind(p.debit.to_string())
                .bind(currency.clone())
                .execute(&mut **tx)
                .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::InsufficientFunds);
            }
        } else {
            self.add_to_balance(tx, p.debit, &currency, -amount).await?;
        }
        self.add_to_balance(tx, p.credit, &currency, amount).await?;
        let purse = match p.kind {
            PostingKind::Mint(id)
            | PostingKind::Redemption(id)
            | PostingKind::Refund(id)
            | PostingKind::Chargeback(id) => Some(id.as_bytes().to_vec()),
            PostingKind::Funding | PostingKind::Withdrawal => None,
        };
        self.query("INSERT INTO postings (kind, purse, debit, credit, currency, amount, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(p.kind.code())
            .bind(purse)
            .bind(p.debit.to_string())
            .bind(p.credit.to_string())
            .bind(currency)
            .bind(amount)
            .bind(to_i64(now.0)?)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Books a decision's postings inside its transaction. First it locks
    /// every balance they touch, in one fixed order (creating missing rows at
    /// zero), so two transactions moving money between the same accounts in
    /// opposite directions wait for each other instead of deadlocking on
    /// PostgreSQL (a mint locks buyer then outstanding; a refund, outstanding
    /// then buyer).
    pub(super) async fn post_all(
        &self,
        tx: &mut Tx,
        postings: &[Posting],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let touched: BTreeSet<(String, String)> = postings
            .iter()
            .flat_map(|p| {
                [p.debit, p.credit].map(|a| (a.to_string(), p.amount.currency().code().to_owned()))
            })
            .collect();
        for (account, currency) in touched {
            self.query(
                "INSERT INTO balances (account, currency, balance) VALUES ($1, $2, 0) \
                 ON CONFLICT (account, currency) DO UPDATE SET balance = balances.balance",
            )
            .bind(account)
            .bind(currency)
            .execute(&mut **tx)
            .await?;
        }
        for p in postings {
            self.post(tx, p, now).await?;
        }
        Ok(())
    }

    async fn add_to_balance(
        &self,
        tx: &mut Tx,
        account: LedgerAccount,
        currency: &str,
        delta: i64,
    ) -> Result<(), StoreError> {
        self.query(
            "INSERT INTO balances (account, currency, balance) VALUES ($1, $2, $3) \
             ON CONFLICT (account, currency) DO UPDATE SET balance = balances.balance + $3",
        )
        .bind(account.to_string())
        .bind(currency.to_owned())
        .bind(delta)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The operator moves money between a customer and the outside world,
    /// once per idempotency key. Returns `Ok(the new balance)`, or
    /// `Err(the first answer's balance)` if the key was seen before with
    /// this very request. The key's
    /// first answer is stored with what it was for (accounts, direction,
    /// currency, amount), so a key reused for another request is refused
    /// ([`StoreError::IdempotencyKeyReused`]) and changes nothing.
    pub async fn operator_posting(
        &self,
        key: &[u8],
        posting: &Posting,
        now: Timestamp,
    ) -> Result<Result<i64, i64>, StoreError> {
        let request = OperatorRequest::of(posting);
        if let Some(first) = self.stored_response(key).await? {
            return first_operator_answer(&first, &request).map(Err);
        }
        let mut tx = self.begin().await?;
        match self
            .record_request(&mut tx, key, posting.kind.code(), "".into(), now)
            .await
        {
            Ok(()) => {}
            // A copy racing this one got there first and has committed: its answer.
            Err(StoreError::Replay) => {
                tx.rollback().await?;
                return match self.stored_response(key).await? {
                    Some(first) => first_operator_answer(&first, &request).map(Err),
                    None => Err(StoreError::Replay),
                };
            }
            Err(e) => return Err(e),
        }
        self.post_all(&mut tx, std::slice::from_ref(posting), now)
            .await?;
        let customer = match (posting.debit, posting.credit) {
            (c @ LedgerAccount::Customer(_), _) | (_, c @ LedgerAccount::Customer(_)) => c,
            _ => return Err(StoreError::Corrupt("operator posting without a customer")),
        };
        let row = self
            .query("SELECT balance FROM balances WHERE account = $1 AND currency = $2")
            .bind(customer.to_string())
            .bind(posting.amount.currency().code().to_owned())
            .fetch_one(&mut *tx)
            .await?;
        let balance: i64 = row.try_get("balance")?;
        let answer = serde_json::to_string(&OperatorAnswer {
            request,
            balance_minor: balance,
        })
        .map_err(|_| StoreError::Corrupt("operator answer"))?;
        self.query("UPDATE requests SET response = $1 WHERE nonce = $2")
            .bind(answer)
            .bind(key.to_vec())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(balance))
    }

    /// Every posting that touched a customer, newest last.
    pub async fn statement(
        &self,
        who: KeyId,
        currency: Currency,
    ) -> Result<Vec<StatementLine>, StoreError> {
        let account = LedgerAccount::Customer(who).to_string();
        let rows = self
            .query("SELECT id, kind, purse, debit, amount, currency, created_at FROM postings WHERE (debit = $1 OR credit = $1) AND currency = $2 ORDER BY id")
            .bind(account.clone())
            .bind(currency.code().to_owned())
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let amount: i64 = r.try_get("amount")?;
            let debit: String = r.try_get("debit")?;
            let purse: Option<Vec<u8>> = r.try_get("purse")?;
            out.push(StatementLine {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                amount_minor: if debit == account { -amount } else { amount },
                currency: r.try_get("currency")?,
                purse: purse.map(|p| p.iter().map(|b| format!("{b:02x}")).collect()),
                at: r.try_get("created_at")?,
            });
        }
        Ok(out)
    }

    /// The whole books, for the totals check and the metrics.
    pub async fn totals(&self) -> Result<Totals, StoreError> {
        let mut t = Totals::default();
        for r in self
            .query("SELECT account, currency, balance FROM balances")
            .fetch_all(&self.pool)
            .await?
        {
            let (account, currency, balance): (String, String, i64) = (
                r.try_get("account")?,
                r.try_get("currency")?,
                r.try_get("balance")?,
            );
            *t.sum_of_balances.entry(currency.clone()).or_insert(0) += balance;
            match account.as_str() {
                "outstanding" => {
                    t.outstanding.insert(currency, balance);
                }
                "settlement" => {
                    t.funded.insert(currency, -balance);
                }
                _ => {}
            }
        }
        let open = "SELECT p.currency AS currency, CAST(SUM(t.value_minor) AS BIGINT) AS total FROM tokens t JOIN purses p ON p.id = t.purse \
                    WHERE t.status = 'outstanding' AND t.value_minor > 0 GROUP BY p.currency";
        for r in self.query(open).fetch_all(&self.pool).await? {
            t.open_token_value
                .insert(r.try_get("currency")?, r.try_get::<i64, _>("total")?);
        }
        t.postings = self
            .query("SELECT COUNT(*) AS n FROM postings")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok(t)
    }
}
