//! The tiny generator that turns a caller's seed into jitter. The core never gathers entropy
//! itself: every machine takes a seed.

/// splitmix64 (Steele, Lea, Flood 2014): small, fast and good enough for jitter.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..=max` (with a negligible modulo bias).
    pub(crate) fn up_to(&mut self, max: u128) -> u128 {
        if max == 0 {
            return 0;
        }
        let wide = (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
        match max.checked_add(1) {
            Some(m) => wide % m,
            None => wide,
        }
    }

    /// A value in `[0, 1)`, like Python's `random.random()`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_per_seed_and_in_range() {
        let a: Vec<u64> = {
            let mut r = Rng::new(42);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(42);
            (0..4).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a[0], a[1]);
        assert_eq!(Rng::new(1).up_to(0), 0);
        let mut r = Rng::new(3);
        assert!((0..1000).all(|_| r.up_to(10) <= 10));
        let _ = r.up_to(u128::MAX);
        assert!((0..1000).all(|_| (0.0..1.0).contains(&r.unit())));
    }
}
