//! CPU time of a benchmarked call, which unlike wall time does not swing with how busy the
//! machine is (criterion reports wall time). Included by the benches with `#[path]`.

/// CPU time (this thread's user + system) per call of `f`, in ms, over `n` calls.
pub fn cpu_ms_per(n: u32, mut f: impl FnMut()) -> f64 {
    let cpu = || {
        // SAFETY: getrusage only writes the struct it is given.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut u) };
        let t = |v: libc::timeval| v.tv_sec as f64 * 1e3 + v.tv_usec as f64 / 1e3;
        t(u.ru_utime) + t(u.ru_stime)
    };
    let start = cpu();
    for _ in 0..n {
        f();
    }
    (cpu() - start) / f64::from(n)
}
