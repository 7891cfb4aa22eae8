//! Coverage of the stratified bootstrap 95% AUC interval on simulated data with a known AUC:
//! reals ~ N(0, 1), fakes ~ N(d, 1), so AUC = Φ(d/√2). Over 200 simulated datasets the interval
//! must contain the true AUC between 90% and 99% of the time (nominal 95%; the percentile
//! bootstrap is known to under-cover slightly on small samples).

use dfbench_reports::metrics::bootstrap::{BootstrapConfig, Rng, bootstrap_intervals};

fn normal(rng: &mut Rng) -> f64 {
    // Box–Muller; 1 − unit() is in (0, 1], so the log is finite.
    let (u, v) = (1.0 - rng.unit(), rng.unit());
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

fn coverage(separation: f64, n_real: usize, n_fake: usize, datasets: usize) -> f64 {
    // Φ(d/√2) = erfc(−d/2)/2.
    let true_auc = 0.5 * erfc(-separation / 2.0);
    let mut rng = Rng::new(0xC0FE_0000 + n_real as u64);
    let config = BootstrapConfig {
        resamples: 400,
        ..Default::default()
    };
    let mut covered = 0;
    for _ in 0..datasets {
        let mut scores = Vec::with_capacity(n_real + n_fake);
        let mut labels = Vec::with_capacity(n_real + n_fake);
        for i in 0..n_real + n_fake {
            let fake = i >= n_real;
            scores.push(normal(&mut rng) + if fake { separation } else { 0.0 });
            labels.push(fake);
        }
        let intervals = bootstrap_intervals(&scores, &labels, &config).expect("defined");
        let (low, high) = intervals.bounds[2].expect("auc interval");
        covered += usize::from(low <= true_auc && true_auc <= high);
    }
    covered as f64 / datasets as f64
}

/// The complementary error function by Simpson integration (independent of the crate's erfc).
fn erfc(x: f64) -> f64 {
    // erfc(x) = 1 − (2/√π)∫₀ˣ e^(−t²) dt, Simpson's rule with 20,000 intervals (error < 1e-12
    // for |x| ≤ 3).
    let n = 20_000;
    let h = x / n as f64;
    let f = |t: f64| (-t * t).exp();
    let mut sum = f(0.0) + f(x);
    for i in 1..n {
        sum += f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    1.0 - 2.0 / std::f64::consts::PI.sqrt() * sum * h / 3.0
}

#[test]
fn erfc_helper_is_accurate() {
    assert!((erfc(0.0) - 1.0).abs() < 1e-12);
    assert!((erfc(1.0) - 0.157_299_207_050_285_13).abs() < 1e-10);
    assert!((erfc(-0.5) - 1.520_499_877_813_046_5).abs() < 1e-10);
}

#[test]
fn auc_interval_covers_true_auc_about_95_percent() {
    let c = coverage(1.0, 80, 60, 200);
    println!("coverage of the 95% AUC interval: {c:.3}");
    assert!((0.90..=0.99).contains(&c), "coverage {c}");
}

#[test]
fn a_too_narrow_interval_would_fail_the_coverage_check() {
    // Guard that the coverage check can fail: a 50% interval must cover far less than 90%.
    let true_auc = 0.5 * erfc(-0.5); // d = 1
    let mut rng = Rng::new(7);
    let config = BootstrapConfig {
        resamples: 200,
        confidence: 0.5,
        ..Default::default()
    };
    let mut covered = 0;
    for _ in 0..100 {
        let labels: Vec<bool> = (0..100).map(|i| i >= 50).collect();
        let scores: Vec<f64> = labels
            .iter()
            .map(|&f| normal(&mut rng) + if f { 1.0 } else { 0.0 })
            .collect();
        let (low, high) = bootstrap_intervals(&scores, &labels, &config)
            .expect("defined")
            .bounds[2]
            .expect("auc interval");
        covered += usize::from(low <= true_auc && true_auc <= high);
    }
    assert!(covered < 80, "50% interval covered {covered}/100");
}
