//! A hint to the processor that a value will be read soon.
//!
//! The intake looks up three ids per payment in tables far larger than the
//! cache, and each lookup that misses waits for memory. The caller knows the
//! next payments while it works on this one, so it asks for their table slots
//! ahead ([`Engine::prefetch`](crate::Engine::prefetch)): the waits overlap
//! instead of adding up.
//!
//! This is the crate's one use of `unsafe`: the x86-64 prefetch instruction is
//! exposed only as an `unsafe` intrinsic. It is given a valid reference, never
//! faults, and changes no value the program can see.
#![allow(unsafe_code)]

/// Starts loading the cache line that holds `value`. A hint only: on other
/// processors it does nothing.
#[inline(always)]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let p: *const T = value;
        // SAFETY: `p` comes from a live reference; a prefetch reads nothing
        // into the program and cannot fault.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
