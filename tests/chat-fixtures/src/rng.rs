//! Platform-stable randomness: ChaCha8 seeded from a 32-byte key derived with SplitMix64, and
//! integer-only helpers (no floats, no `rand` distributions whose output may change between
//! crate versions).

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// One step of SplitMix64.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(crate) struct Rng(ChaCha8Rng);

impl Rng {
    /// A generator for one independent stream (`stream` distinguishes e.g. the model from each
    /// room's messages).
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        let mut st = seed ^ stream.wrapping_mul(0xD6E8_FEB8_6659_FD93);
        let mut key = [0u8; 32];
        for chunk in key.chunks_mut(8) {
            chunk.copy_from_slice(&splitmix64(&mut st).to_le_bytes());
        }
        Rng(ChaCha8Rng::from_seed(key))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (n > 0), by 128-bit multiply (Lemire, without rejection: the bias is
    /// < n / 2^64 and irrelevant for fixtures).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `pct` percent.
    pub(crate) fn pct(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A version-4-shaped GUID.
    pub(crate) fn guid(&mut self) -> tiberius::Uuid {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        b[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        b[6] = (b[6] & 0x0F) | 0x40;
        b[8] = (b[8] & 0x3F) | 0x80;
        tiberius::Uuid::from_bytes(b)
    }
}
