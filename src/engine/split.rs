//! Suggested level boundaries: the current scores of a scheme split into classes, either of
//! equal size (quantiles) or by optimal one-dimensional k-means. Both work on the histogram of
//! distinct scores (each with its number of clients), never on per-client values, so a million
//! clients with a few hundred distinct scores cost a few hundred entries; clients with the same
//! score always share a class.

/// How the scores are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitMethod {
    /// classes of as nearly equal numbers of clients as ties allow
    Quantiles,
    /// classes minimizing the sum of squared distances of the scores to their class's mean
    /// (exact, by dynamic programming)
    KMeans,
}

/// The largest number of classes asked for: the k-means table holds k entries per distinct
/// score.
pub const MAX_CLASSES: usize = 100;

/// The most entries (k × distinct scores, 4 bytes each) the k-means table may hold: 80 MB.
pub const MAX_KMEANS_CELLS: usize = 20_000_000;

/// One class of a split: the distinct scores `first..=last` (indices into the histogram) and
/// the clients they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub first: usize,
    pub last: usize,
    pub clients: u64,
}

/// Splits a histogram — distinct `scores` in ascending order, `clients[i]` of them having
/// `scores[i]` — into at most `k` classes of consecutive scores (fewer when there are fewer
/// distinct scores, or when ties leave a quantile class empty). `k` is at least 1; for
/// k-means, k × the number of scores is at most `MAX_KMEANS_CELLS` (the caller checks).
/// `interrupt` is called often during a long computation: the caller's chance to cancel it.
pub fn split(
    scores: &[f64],
    clients: &[u64],
    k: usize,
    method: SplitMethod,
    interrupt: &mut dyn FnMut(),
) -> Vec<Class> {
    assert_eq!(scores.len(), clients.len(), "one count per distinct score");
    let n = scores.len();
    if n == 0 {
        return Vec::new();
    }
    let k = k.clamp(1, MAX_CLASSES);
    let cuts = if n <= k {
        (0..n - 1).collect()
    } else {
        match method {
            SplitMethod::Quantiles => quantile_cuts(clients, k),
            SplitMethod::KMeans => kmeans_cuts(scores, clients, k, interrupt),
        }
    };
    classes(clients, &cuts)
}

/// A level of a suggestion: its class, and its lower bound (None for the first, open below).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestedLevel {
    pub class: Class,
    pub min_score: Option<rust_decimal::Decimal>,
}

/// The bounds of levels made of `classes` (consecutive, from `split`) that `segment.levels`
/// accepts: each level's lower bound is the lowest score of its class (`exact[i]`: the
/// histogram's scores exactly, None for one beyond the engine's range) rounded down to the four
/// decimal places a bound may have. A bound that would not stay above every score of the level
/// below, or that lies beyond ±1e15, joins its class to the level below.
pub fn level_bounds(
    classes: Vec<Class>,
    exact: &[Option<rust_decimal::Decimal>],
) -> Vec<SuggestedLevel> {
    use rust_decimal::{Decimal, RoundingStrategy};
    let limit = Decimal::from(1_000_000_000_000_000_i64);
    let mut levels: Vec<SuggestedLevel> = Vec::with_capacity(classes.len());
    for class in classes {
        let bound = levels.last().and_then(|below| {
            let lowest = exact[class.first]?;
            let highest_below = exact[below.class.last]?;
            let bound = lowest.round_dp_with_strategy(4, RoundingStrategy::ToNegativeInfinity);
            (bound > highest_below && bound.abs() < limit).then_some(bound.normalize())
        });
        match (levels.last_mut(), bound) {
            (Some(below), None) => {
                below.class.last = class.last;
                below.class.clients += class.clients;
            }
            _ => levels.push(SuggestedLevel {
                class,
                min_score: bound,
            }),
        }
    }
    levels
}

/// The classes a list of cuts makes: a cut `j` ends a class after the distinct score `j`.
fn classes(clients: &[u64], cuts: &[usize]) -> Vec<Class> {
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut first = 0;
    for &last in cuts.iter().chain(std::iter::once(&(clients.len() - 1))) {
        out.push(Class {
            first,
            last,
            clients: clients[first..=last].iter().sum(),
        });
        first = last + 1;
    }
    out
}

/// Cuts nearest to the `k - 1` quantiles of the clients: for the i-th, the distinct score after
/// which the number of clients at or below comes closest to i/k of all (the lower one on a
/// tie); cuts that coincide, or fall after the last score, are dropped.
fn quantile_cuts(clients: &[u64], k: usize) -> Vec<usize> {
    let mut cumulative = Vec::with_capacity(clients.len());
    let mut total: u128 = 0;
    for &c in clients {
        total += u128::from(c);
        cumulative.push(total);
    }
    let k = k as u128;
    let mut cuts: Vec<usize> = Vec::new();
    for i in 1..k {
        // compare cumulative * k with i * total: exact, in integers
        let target = i * total;
        let at_or_above = cumulative.partition_point(|&c| c * k < target);
        let candidates = [at_or_above.checked_sub(1), Some(at_or_above)];
        let best = candidates
            .into_iter()
            .flatten()
            .filter(|&j| j < cumulative.len())
            .min_by_key(|&j| (cumulative[j] * k).abs_diff(target))
            .expect("a histogram has a score");
        if best + 1 < clients.len() && cuts.last().is_none_or(|&last| best > last) {
            cuts.push(best);
        }
    }
    cuts
}

/// Prefix sums of a weighted histogram, for the within-class sum of squares of any run of
/// consecutive scores in constant time. The scores are centred on their weighted mean first,
/// which keeps the sums' cancellation small.
struct Moments {
    weight: Vec<f64>,
    sum: Vec<f64>,
    squares: Vec<f64>,
}

impl Moments {
    fn new(scores: &[f64], clients: &[u64]) -> Moments {
        let total: f64 = clients.iter().map(|&c| c as f64).sum();
        let mean = scores
            .iter()
            .zip(clients)
            .map(|(&x, &c)| x * c as f64)
            .sum::<f64>()
            / total;
        let mut m = Moments {
            weight: vec![0.0],
            sum: vec![0.0],
            squares: vec![0.0],
        };
        for (&x, &c) in scores.iter().zip(clients) {
            let (w, y) = (c as f64, x - mean);
            m.weight.push(m.weight.last().unwrap() + w);
            m.sum.push(m.sum.last().unwrap() + w * y);
            m.squares.push(m.squares.last().unwrap() + w * y * y);
        }
        m
    }

    /// The sum of squared distances to their mean of the scores `first..=last`.
    fn cost(&self, first: usize, last: usize) -> f64 {
        let w = self.weight[last + 1] - self.weight[first];
        let s = self.sum[last + 1] - self.sum[first];
        let q = self.squares[last + 1] - self.squares[first];
        (q - s * s / w).max(0.0)
    }
}

/// Optimal k-means cuts (k at most the number of distinct scores): `best[m][i]`, the least
/// cost of splitting scores `0..=i` into `m + 1` classes, is the least over `j` of
/// `best[m - 1][j - 1] + cost(j, i)`; the `j` that attains it never decreases as `i` grows,
/// so each row is computed by divide and conquer in O(n log n), and the whole in O(k n log n)
/// time and O(k n) memory (the row of starts per class count, to trace the cuts back).
fn kmeans_cuts(
    scores: &[f64],
    clients: &[u64],
    k: usize,
    interrupt: &mut dyn FnMut(),
) -> Vec<usize> {
    let n = scores.len();
    let moments = Moments::new(scores, clients);
    let mut previous: Vec<f64> = (0..n).map(|i| moments.cost(0, i)).collect();
    let mut starts: Vec<Vec<u32>> = Vec::with_capacity(k - 1);
    for m in 1..k {
        let mut row = vec![f64::INFINITY; n];
        let mut start = vec![0u32; n];
        let mut fill = RowFill {
            moments: &moments,
            previous: &previous,
            row: &mut row,
            start: &mut start,
            interrupt: &mut *interrupt,
        };
        // scores 0..=i split into m + 1 classes need i >= m
        fill.range(m, n - 1, m, n - 1);
        starts.push(start);
        previous = row;
    }
    // trace back: the last class starts at starts[k - 2][n - 1], and so on
    let mut cuts = Vec::with_capacity(k - 1);
    let mut last = n - 1;
    for m in (1..k).rev() {
        let first = starts[m - 1][last] as usize;
        cuts.push(first - 1);
        last = first - 1;
    }
    cuts.reverse();
    cuts
}

/// One row of the k-means table being filled by divide and conquer.
struct RowFill<'a> {
    moments: &'a Moments,
    previous: &'a [f64],
    row: &'a mut [f64],
    start: &'a mut [u32],
    interrupt: &'a mut dyn FnMut(),
}

impl RowFill<'_> {
    /// Fills entries `lo..=hi`, whose best class starts lie in `from..=to`.
    fn range(&mut self, lo: usize, hi: usize, from: usize, to: usize) {
        if lo > hi {
            return;
        }
        (self.interrupt)();
        let mid = lo + (hi - lo) / 2;
        let (mut best, mut best_start) = (f64::INFINITY, from);
        for j in from..=to.min(mid) {
            let cost = self.previous[j - 1] + self.moments.cost(j, mid);
            if cost < best {
                best = cost;
                best_start = j;
            }
        }
        self.row[mid] = best;
        self.start[mid] = best_start as u32;
        if mid > lo {
            self.range(lo, mid - 1, from, best_start);
        }
        self.range(mid + 1, hi, best_start, to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(classes: &[Class]) -> Vec<(usize, usize, u64)> {
        classes
            .iter()
            .map(|c| (c.first, c.last, c.clients))
            .collect()
    }

    /// Every split into consecutive classes, by brute force: the least within-class sum of
    /// squares over all of them, for checking the dynamic programming.
    fn brute_force_cost(scores: &[f64], clients: &[u64], k: usize) -> f64 {
        let moments = Moments::new(scores, clients);
        let n = scores.len();
        let mut best = f64::INFINITY;
        // each subset of the n - 1 gaps with k - 1 members
        for mask in 0u32..(1 << (n - 1)) {
            if mask.count_ones() as usize != k - 1 {
                continue;
            }
            let (mut cost, mut first) = (0.0, 0);
            for gap in 0..n - 1 {
                if mask & (1 << gap) != 0 {
                    cost += moments.cost(first, gap);
                    first = gap + 1;
                }
            }
            cost += moments.cost(first, n - 1);
            best = best.min(cost);
        }
        best
    }

    fn split_cost(scores: &[f64], clients: &[u64], classes: &[Class]) -> f64 {
        let moments = Moments::new(scores, clients);
        classes.iter().map(|c| moments.cost(c.first, c.last)).sum()
    }

    #[test]
    fn kmeans_finds_the_obvious_groups() {
        // three clusters, around 1, 10 and 20
        let scores = [0.0, 1.0, 2.0, 9.0, 10.0, 11.0, 19.0, 20.0, 21.0];
        let clients = [1, 2, 1, 1, 2, 1, 1, 2, 1];
        let classes = split(&scores, &clients, 3, SplitMethod::KMeans, &mut || {});
        assert_eq!(bounds(&classes), vec![(0, 2, 4), (3, 5, 4), (6, 8, 4)]);
    }

    #[test]
    fn kmeans_by_hand() {
        // scores 1, 2, 10 (one client each) into 2: {1, 2} | {10} costs 0.5; {1} | {2, 10} 32
        let classes = split(
            &[1.0, 2.0, 10.0],
            &[1, 1, 1],
            2,
            SplitMethod::KMeans,
            &mut || {},
        );
        assert_eq!(bounds(&classes), vec![(0, 1, 2), (2, 2, 1)]);
        // weights move the cut: nine clients at 2 pull it: {1} | {2, 10} costs 57.6; {1, 2}
        // | {10} 0.9
        let classes = split(
            &[1.0, 2.0, 10.0],
            &[1, 9, 1],
            2,
            SplitMethod::KMeans,
            &mut || {},
        );
        assert_eq!(bounds(&classes), vec![(0, 1, 10), (2, 2, 1)]);
    }

    #[test]
    fn kmeans_is_optimal_against_brute_force() {
        // a fixed pseudo-random histogram (a linear congruential sequence), every k
        let mut state: u64 = 12345;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        for n in [2usize, 5, 9, 13] {
            let mut scores: Vec<f64> = Vec::new();
            let mut x = 0.0;
            for _ in 0..n {
                x += 1.0 + (next() % 40) as f64 / 4.0;
                scores.push(x);
            }
            let clients: Vec<u64> = (0..n).map(|_| 1 + (next() % 7) as u64).collect();
            for k in 1..=n {
                let classes = split(&scores, &clients, k, SplitMethod::KMeans, &mut || {});
                assert_eq!(classes.len(), k);
                let found = split_cost(&scores, &clients, &classes);
                let best = brute_force_cost(&scores, &clients, k);
                assert!(
                    (found - best).abs() <= 1e-9 * best.max(1.0),
                    "n {n} k {k}: {found} against {best}"
                );
            }
        }
    }

    #[test]
    fn kmeans_on_a_bimodal_distribution() {
        // two bell shapes of 1,000 clients each around 20 and 80 (scores 0..=100): split in
        // two at the valley between them
        let scores: Vec<f64> = (0..=100).map(f64::from).collect();
        let bell = |x: f64, mu: f64| (1000.0 * (-(x - mu).powi(2) / 50.0).exp()).round() as u64;
        let clients: Vec<u64> = scores
            .iter()
            .map(|&x| bell(x, 20.0) + bell(x, 80.0))
            .collect();
        let nonzero: Vec<usize> = (0..scores.len()).filter(|&i| clients[i] > 0).collect();
        let s: Vec<f64> = nonzero.iter().map(|&i| scores[i]).collect();
        let c: Vec<u64> = nonzero.iter().map(|&i| clients[i]).collect();
        let classes = split(&s, &c, 2, SplitMethod::KMeans, &mut || {});
        assert_eq!(classes.len(), 2);
        assert!(s[classes[0].last] < 50.0 && s[classes[1].first] > 50.0);
        assert_eq!(classes[0].clients, classes[1].clients);
    }

    #[test]
    fn quantiles_of_a_uniform_distribution_are_equal() {
        // 100 distinct scores, 3 clients each, into 4 classes of 75
        let scores: Vec<f64> = (0..100).map(f64::from).collect();
        let classes = split(&scores, &[3; 100], 4, SplitMethod::Quantiles, &mut || {});
        assert_eq!(
            bounds(&classes),
            vec![(0, 24, 75), (25, 49, 75), (50, 74, 75), (75, 99, 75)]
        );
        // k-means splits a uniform distribution the same way
        let classes = split(&scores, &[3; 100], 4, SplitMethod::KMeans, &mut || {});
        assert_eq!(
            bounds(&classes),
            vec![(0, 24, 75), (25, 49, 75), (50, 74, 75), (75, 99, 75)]
        );
    }

    #[test]
    fn quantiles_keep_ties_together() {
        // 10 clients: scores 1 (6 clients), 2, 3, 4, 5 (one each); halves at 5 clients would
        // split the six ties: the cut comes after score 1 (6 at or below, nearest to 5)
        let classes = split(
            &[1.0, 2.0, 3.0, 4.0, 5.0],
            &[6, 1, 1, 1, 1],
            2,
            SplitMethod::Quantiles,
            &mut || {},
        );
        assert_eq!(bounds(&classes), vec![(0, 0, 6), (1, 4, 4)]);
        // one score holding most clients leaves fewer classes than asked for
        let classes = split(&[1.0, 2.0], &[98, 2], 4, SplitMethod::Quantiles, &mut || {});
        assert_eq!(bounds(&classes), vec![(0, 0, 98), (1, 1, 2)]);
    }

    #[test]
    fn bounds_are_what_a_level_takes() {
        use rust_decimal::Decimal;
        use std::str::FromStr;
        let d = |s: &str| Some(Decimal::from_str(s).unwrap());
        let class = |first, last, clients| Class {
            first,
            last,
            clients,
        };
        // 0.49995 | 1.00005: the bound 1.0000 still separates them
        let levels = level_bounds(
            vec![class(0, 0, 1), class(1, 1, 1)],
            &[d("0.49995"), d("1.00005")],
        );
        assert_eq!(levels[1].min_score, d("1.0000"));
        // 1.00001 | 1.00005: no four-decimal bound between them, one level
        let levels = level_bounds(
            vec![class(0, 0, 2), class(1, 1, 3)],
            &[d("1.00001"), d("1.00005")],
        );
        assert_eq!(levels.len(), 1);
        assert_eq!(levels[0].class, class(0, 1, 5));
        // beyond the bounds' range, and beyond the engine's: joined too
        let levels = level_bounds(
            vec![class(0, 0, 1), class(1, 1, 1), class(2, 2, 1)],
            &[d("1"), d("1000000000000000"), None],
        );
        assert_eq!(levels.len(), 1);
        // negative scores round down, away from zero
        let levels = level_bounds(
            vec![class(0, 0, 1), class(1, 1, 1)],
            &[d("-3"), d("-2.00005")],
        );
        assert_eq!(levels[1].min_score, d("-2.0001"));
    }

    #[test]
    fn a_long_split_can_be_interrupted() {
        // the callback runs while the table is filled (a caller raises its cancel from it)
        let scores: Vec<f64> = (0..50).map(f64::from).collect();
        let mut calls = 0;
        split(&scores, &[1; 50], 5, SplitMethod::KMeans, &mut || {
            calls += 1
        });
        assert!(calls >= 4 * 40, "called {calls} times");
    }

    #[test]
    fn few_distinct_scores_give_one_class_each() {
        for method in [SplitMethod::Quantiles, SplitMethod::KMeans] {
            let classes = split(&[3.0, 7.0], &[5, 1], 5, method, &mut || {});
            assert_eq!(bounds(&classes), vec![(0, 0, 5), (1, 1, 1)]);
            assert!(split(&[], &[], 3, method, &mut || {}).is_empty());
            let classes = split(&[3.0, 7.0, 9.0], &[5, 1, 1], 1, method, &mut || {});
            assert_eq!(bounds(&classes), vec![(0, 2, 7)]);
        }
    }
}
