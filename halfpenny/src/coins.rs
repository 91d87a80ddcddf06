//! Coin selection: which halves pay a price. Exact if at all possible; else
//! the smallest overpayment; among equals, the fewest tokens.

use std::collections::BTreeMap;

use crate::ids::SessionSerial;

/// Above this many minor units the exact search gives way to a greedy choice.
const EXACT_SEARCH_LIMIT: u64 = 1 << 17;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoinError {
    #[error("the purse holds {have} but the price is {need}")]
    NotEnough { have: u64, need: u64 },
}

impl CoinError {
    pub fn code(&self) -> &'static str {
        "not_enough_in_purse"
    }
}

/// The halves chosen to pay a price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub sessions: Vec<SessionSerial>,
    pub total: u64,
    /// How much more than the price the tokens are worth (no change is given).
    pub overpay: u64,
}

/// Chooses halves, given as (session, value in minor units), to pay `price`.
pub fn select(available: &[(SessionSerial, u64)], price: u64) -> Result<Selection, CoinError> {
    let mut by_value: BTreeMap<u64, Vec<SessionSerial>> = BTreeMap::new();
    for (s, v) in available.iter().filter(|(_, v)| *v > 0) {
        by_value.entry(*v).or_default().push(*s);
    }
    let have = by_value.iter().fold(0u64, |acc, (v, s)| {
        acc.saturating_add(v.saturating_mul(s.len() as u64))
    });
    if have < price {
        return Err(CoinError::NotEnough { have, need: price });
    }
    let counts: Vec<(u64, u64)> = by_value.iter().map(|(v, s)| (*v, s.len() as u64)).collect();
    let largest = counts.last().map_or(0, |(v, _)| *v);
    let take = match price.checked_add(largest) {
        Some(bound) if bound <= EXACT_SEARCH_LIMIT => exact(&counts, price, bound.min(have)),
        _ => None,
    }
    .unwrap_or_else(|| greedy(&counts, price));
    let mut sessions = Vec::new();
    let mut total = 0u64;
    for ((value, list), n) in by_value.iter().zip(&take) {
        sessions.extend(list.iter().take(*n as usize));
        total = total.saturating_add(value.saturating_mul(*n));
    }
    sessions.sort();
    Ok(Selection {
        sessions,
        total,
        overpay: total.saturating_sub(price),
    })
}

/// Bounded knapsack over sums up to `bound`: for each reachable sum the fewest
/// tokens; then the smallest reachable sum at or above the price. Returns how
/// many tokens of each value to take.
fn exact(counts: &[(u64, u64)], price: u64, bound: u64) -> Option<Vec<u64>> {
    let size = usize::try_from(bound).ok()?.checked_add(1)?;
    // Split each count into powers of two so every count 0..=n is reachable
    // by a 0/1 choice of chunks.
    let mut chunks: Vec<(usize, u64)> = Vec::new(); // (value index, tokens)
    for (i, (_, n)) in counts.iter().enumerate() {
        let (mut left, mut k) = (*n, 1u64);
        while left > 0 {
            let c = k.min(left);
            chunks.push((i, c));
            left -= c;
            k *= 2;
        }
    }
    const NONE: u32 = u32::MAX;
    let mut best = vec![NONE; size];
    *best.first_mut()? = 0;
    let mut took = vec![vec![false; size]; chunks.len()];
    for (ci, (i, c)) in chunks.iter().enumerate() {
        let step = usize::try_from(counts.get(*i)?.0.checked_mul(*c)?).ok()?;
        let tokens = u32::try_from(*c).ok()?;
        for s in (step..size).rev() {
            let from = *best.get(s - step)?;
            if from != NONE && from + tokens < *best.get(s)? {
                *best.get_mut(s)? = from + tokens;
                *took.get_mut(ci)?.get_mut(s)? = true;
            }
        }
    }
    let target =
        (usize::try_from(price).ok()?..size).find(|s| best.get(*s).is_some_and(|b| *b != NONE))?;
    let mut take = vec![0u64; counts.len()];
    let mut s = target;
    for ci in (0..chunks.len()).rev() {
        if *took.get(ci)?.get(s)? {
            let (i, c) = *chunks.get(ci)?;
            *take.get_mut(i)? += c;
            s -= usize::try_from(counts.get(i)?.0 * c).ok()?;
        }
    }
    (s == 0).then_some(take)
}

/// For very large prices: largest values first, then the smallest single
/// token that covers what is left.
fn greedy(counts: &[(u64, u64)], price: u64) -> Vec<u64> {
    let mut take = vec![0u64; counts.len()];
    let mut left = price;
    for (i, (v, n)) in counts.iter().enumerate().rev() {
        let k = (left / v).min(*n);
        if let Some(t) = take.get_mut(i) {
            *t = k;
        }
        left -= k * v;
    }
    if left > 0 {
        let spare = counts
            .iter()
            .enumerate()
            .find(|(i, (v, n))| *v >= left && take.get(*i).is_some_and(|t| t < n));
        match spare {
            Some((i, _)) => {
                if let Some(t) = take.get_mut(i) {
                    *t += 1;
                }
            }
            None => {
                // Fill up from the smallest values until covered.
                for (i, (v, n)) in counts.iter().enumerate() {
                    while left > 0 && take.get(i).is_some_and(|t| t < n) {
                        if let Some(t) = take.get_mut(i) {
                            *t += 1;
                        }
                        left = left.saturating_sub(*v);
                    }
                }
            }
        }
    }
    take
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn halves(values: &[u64]) -> Vec<(SessionSerial, u64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (SessionSerial(i as u32), *v))
            .collect()
    }

    #[test]
    fn pays_exactly_with_the_fewest_tokens() {
        let s = select(&halves(&[1, 1, 1, 1, 1, 5, 5, 10]), 11).unwrap();
        assert_eq!((s.total, s.overpay, s.sessions.len()), (11, 0, 2));
    }

    #[test]
    fn prefers_exact_over_fewer_tokens() {
        // 6 = 3 + 3 exactly, rather than one 10.
        let s = select(&halves(&[3, 3, 10]), 6).unwrap();
        assert_eq!((s.total, s.overpay), (6, 0));
    }

    #[test]
    fn overpays_by_the_least_when_it_must() {
        let s = select(&halves(&[5, 5, 25]), 7).unwrap();
        assert_eq!((s.total, s.overpay, s.sessions.len()), (10, 3, 2));
    }

    #[test]
    fn says_when_the_purse_is_short() {
        assert_eq!(
            select(&halves(&[1, 2]), 4),
            Err(CoinError::NotEnough { have: 3, need: 4 })
        );
    }

    #[test]
    fn large_prices_use_the_greedy_path_and_still_cover() {
        let mut v = vec![100_000u64; 5];
        v.push(1);
        let s = select(&halves(&v), 200_001).unwrap();
        assert_eq!((s.total, s.overpay), (200_001, 0));
    }

    /// Every subset, for small inputs: the best overpay, then the fewest tokens.
    fn brute(values: &[u64], price: u64) -> Option<(u64, usize)> {
        let mut best: Option<(u64, usize)> = None;
        for mask in 0u32..(1 << values.len()) {
            let total: u64 = values
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, v)| v)
                .sum();
            if total >= price {
                let cand = (total - price, mask.count_ones() as usize);
                if best.is_none_or(|b| cand < b) {
                    best = Some(cand);
                }
            }
        }
        best
    }

    proptest! {
        #[test]
        fn matches_exhaustive_search(values in proptest::collection::vec(prop_oneof![Just(1u64), Just(2), Just(5), Just(10), Just(25), Just(100)], 0..12), price in 0u64..300) {
            let got = select(&halves(&values), price);
            match brute(&values, price) {
                None => prop_assert!(got.is_err()),
                Some((overpay, count)) => {
                    let s = got.unwrap();
                    prop_assert_eq!((s.overpay, s.sessions.len()), (overpay, count));
                    let sum: u64 = s.sessions.iter().map(|x| values[x.0 as usize]).sum();
                    prop_assert_eq!(sum, s.total);
                    prop_assert_eq!(s.total, price + s.overpay);
                }
            }
        }
    }
}
