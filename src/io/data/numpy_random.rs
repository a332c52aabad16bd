//! NumPy's legacy generator, `np.random.seed` and `np.random.RandomState`,
//! for the few course data sets made with it.
//!
//! The week 3 assignment (`C2_W3_Assignment`) makes its data with
//! `np.random.seed(seed)` and `np.random.sample`, and splits it with
//! scikit-learn's `train_test_split(…, random_state=1)`, which draws a
//! permutation from `np.random.RandomState(1)`. Both are the Mersenne
//! Twister MT19937 (Matsumoto and Nishimura, 1998) seeded by its reference
//! `init_genrand`, with NumPy's conversions on top: a double from two 32-bit
//! draws (`random_sample`), a bounded integer by masked rejection
//! (`permutation`, a Fisher–Yates shuffle from the end), and the polar
//! Box–Muller method with one value kept for the next call (`normal`). With
//! those written out here, the assignment's data and splits are the
//! assignment's, number for number.

/// MT19937 with NumPy's legacy conversions: `np.random.RandomState(seed)`.
#[derive(Clone, Debug)]
pub struct RandomState {
    key: [u32; 624],
    pos: usize,
    /// The second value of the last polar Box–Muller pair, if unused.
    gauss: Option<f64>,
}

impl RandomState {
    /// `np.random.RandomState(seed)`, or `np.random.seed(seed)`: the
    /// reference `init_genrand`.
    ///
    /// ```
    /// use dualpath::io::data::numpy_random::RandomState;
    /// // np.random.seed(2); np.random.sample(1) → [0.43599490214200376] (NumPy 2.4)
    /// assert_eq!(RandomState::new(2).random_sample(), 0.43599490214200376);
    /// ```
    pub fn new(seed: u32) -> Self {
        let mut key = [0u32; 624];
        key[0] = seed;
        for i in 1..624 {
            let prev = key[i - 1];
            key[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        RandomState {
            key,
            pos: 624,
            gauss: None,
        }
    }

    /// The next 32-bit draw.
    pub fn next_u32(&mut self) -> u32 {
        if self.pos == 624 {
            self.twist();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn twist(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        for i in 0..624 {
            let y = (self.key[i] & UPPER) | (self.key[(i + 1) % 624] & LOWER);
            let mut next = self.key[(i + 397) % 624] ^ (y >> 1);
            if y & 1 == 1 {
                next ^= 0x9908_b0df;
            }
            self.key[i] = next;
        }
        self.pos = 0;
    }

    /// `random_sample()`: a double in `[0, 1)` from 53 random bits (27 of
    /// one draw, 26 of the next).
    pub fn random_sample(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// An integer in `0..=max`, as NumPy's legacy `random_interval`: the
    /// draw masked to `max`'s bits, drawn again while it exceeds `max`.
    fn interval(&mut self, max: u32) -> u32 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for shift in [1, 2, 4, 8, 16] {
            mask |= mask >> shift;
        }
        loop {
            let v = self.next_u32() & mask;
            if v <= max {
                return v;
            }
        }
    }

    /// `permutation(n)`: `0..n` shuffled by Fisher–Yates from the last place.
    ///
    /// ```
    /// use dualpath::io::data::numpy_random::RandomState;
    /// // np.random.RandomState(1).permutation(18), its first six (NumPy 2.4)
    /// let p = RandomState::new(1).permutation(18);
    /// assert_eq!(&p[..6], &[6, 3, 13, 2, 14, 7]);
    /// ```
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut v: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let bound = u32::try_from(i).expect("fewer than 2³² rows");
            let j = self.interval(bound) as usize;
            v.swap(i, j);
        }
        v
    }

    /// `normal(loc, scale)`, one value: the polar Box–Muller method, each
    /// pair's first value returned and its second kept for the next call.
    pub fn normal(&mut self, loc: f64, scale: f64) -> f64 {
        if let Some(g) = self.gauss.take() {
            return loc + scale * g;
        }
        let (x1, x2, r2) = loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                break (x1, x2, r2);
            }
        };
        let f = (-2.0 * r2.ln() / r2).sqrt();
        self.gauss = Some(f * x1);
        loc + scale * f * x2
    }
}

/// `np.linspace(start, stop, num)`: `start + i·step` with the last point
/// set to `stop`, as NumPy computes it.
pub fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 1 {
        return vec![start];
    }
    let step = (stop - start) / (num - 1) as f64;
    (0..num)
        .map(|i| {
            if i + 1 == num {
                stop
            } else {
                i as f64 * step + start
            }
        })
        .collect()
}

/// The week 3 assignment's `gen_data(m, seed, scale)`: `m` points evenly
/// spaced on `[0, 49]`, `y = x²` with noise proportional to it,
/// `y = x² + scale·x²·(u − 0.5)`, `u` from `np.random.seed(seed)`'s
/// `random_sample`. Returns `(x, y, y_ideal)`.
pub fn course_gen_data(m: usize, seed: u32, scale: f64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let x = linspace(0.0, 49.0, m);
    let mut rng = RandomState::new(seed);
    let ideal: Vec<f64> = x.iter().map(|v| v * v).collect();
    let y = ideal
        .iter()
        .map(|&i| i + scale * i * (rng.random_sample() - 0.5))
        .collect();
    (x, y, ideal)
}

/// scikit-learn's `train_test_split(…, test_size, random_state=seed)` on
/// `n` rows, as indices: `(train, test)`. The test part is `⌈test_size·n⌉`
/// rows, the first of `RandomState(seed).permutation(n)`; the training part
/// the rest, in the permutation's order.
pub fn train_test_split(n: usize, test_size: f64, seed: u32) -> (Vec<usize>, Vec<usize>) {
    let n_test = (test_size * n as f64).ceil() as usize;
    let perm = RandomState::new(seed).permutation(n);
    let (test, train) = perm.split_at(n_test.min(n));
    (train.to_vec(), test.to_vec())
}

/// scikit-learn's `make_blobs(n_samples=n, centers=centers, cluster_std=std,
/// random_state=seed)` for two features: `n / k` points per centre (the
/// first `n mod k` centres one more), drawn centre after centre with
/// `RandomState(seed).normal(loc=centre, scale=std, size=(count, 2))`, then
/// shuffled by the same generator (`sklearn.utils.shuffle`). The targets are
/// class ids, one column.
pub fn make_blobs(centers: &[[f64; 2]], std: f64, n: usize, seed: u32) -> super::Dataset {
    let k = centers.len();
    let mut rng = RandomState::new(seed);
    let mut points = Vec::with_capacity(n);
    for (c, centre) in centers.iter().enumerate() {
        let count = n / k + usize::from(c < n % k);
        for _ in 0..count {
            let x0 = rng.normal(centre[0], std);
            let x1 = rng.normal(centre[1], std);
            points.push(([x0, x1], c));
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.interval(u32::try_from(i).expect("fewer than 2³² rows")) as usize;
        order.swap(i, j);
    }
    super::Dataset {
        x: nalgebra::DMatrix::from_fn(n, 2, |i, j| points[order[i]].0[j]),
        y: nalgebra::DMatrix::from_fn(n, 1, |i, _| points[order[i]].1 as f64),
        feature_names: vec!["x1".into(), "x2".into()],
        target_names: vec!["class".into()],
        source: format!("make_blobs of {k} centres (random_state={seed})"),
        lines: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_numpy() {
        // Printed by NumPy 2.4.6: np.random.seed(2); np.random.sample(3)
        let mut r = RandomState::new(2);
        let s: Vec<f64> = (0..3).map(|_| r.random_sample()).collect();
        assert_eq!(
            s,
            [
                0.43599490214200376,
                0.025926231827891333,
                0.5496624778787091
            ]
        );
        // np.random.RandomState(1).permutation(18)
        assert_eq!(
            RandomState::new(1).permutation(18),
            [6, 3, 13, 2, 14, 7, 15, 4, 1, 10, 0, 17, 16, 9, 8, 12, 11, 5]
        );
        // np.random.RandomState(2).normal(loc=[-1,0], scale=0.4, size=(2,2))
        let mut r = RandomState::new(2);
        let n: Vec<f64> = [-1.0, 0.0, -1.0, 0.0]
            .iter()
            .map(|&loc| r.normal(loc, 0.4))
            .collect();
        assert_eq!(
            n,
            [
                -1.1667031389621882,
                -0.02250673089053179,
                -1.8544784382673818,
                0.6561083233619955
            ]
        );
    }

    /// Printed by the NumPy steps of `make_blobs_matches_numpy`.
    const MAKE_BLOBS_Y: [f64; 5] = [1.0, 0.0, 0.0, 0.0, 1.0];
    const MAKE_BLOBS_FIRST: [f64; 2] = [1.2011525668632173, -0.49811523464289265];

    #[test]
    fn make_blobs_matches_numpy() {
        // make_blobs' steps written out in NumPy 2.4.6 (scikit-learn is not
        // installed where this was measured): r = RandomState(2); two centres
        // of 3 and 2 points, r.normal(loc=c, scale=0.4, size=(k, 2)) each;
        // then r.shuffle(np.arange(5)); the first row of the result.
        let d = make_blobs(&[[-1.0, 0.0], [1.0, 0.0]], 0.4, 5, 2);
        assert_eq!(d.y.as_slice(), MAKE_BLOBS_Y);
        assert_eq!([d.x[(0, 0)], d.x[(0, 1)]], MAKE_BLOBS_FIRST);
    }

    #[test]
    fn the_assignments_split_sizes() {
        // C2_W3_Assignment prints X_train.shape (12,), X_test.shape (6,) for
        // train_test_split of 18 rows with test_size=0.33.
        let (train, test) = train_test_split(18, 0.33, 1);
        assert_eq!((train.len(), test.len()), (12, 6));
    }
}
