use dfbench_benchmarks::adapter::cnnspot;
use dfbench_benchmarks::image_io::decode_rgb;
use dfbench_benchmarks::synth::write_demo_dataset;
use dfbench_worker::builtin::{npr::Npr, spectral::Spectral};
use std::collections::BTreeMap;

fn auc(real: &[f64], fake: &[f64]) -> f64 {
    let mut w = 0.0;
    for f in fake { for r in real { w += if f > r {1.0} else if f == r {0.5} else {0.0}; } }
    w / (real.len() * fake.len()) as f64
}
fn ms(v: &[f64]) -> String {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let s = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
    let mut sorted = v.to_vec(); sorted.sort_by(f64::total_cmp);
    format!("{m:7.3}±{s:5.3} [{:7.3},{:7.3}]", sorted[0], sorted[sorted.len()-1])
}

#[test]
fn scratch() {
    let dir = tempfile::tempdir().unwrap();
    let s = write_demo_dataset(dir.path()).unwrap();
    let e = cnnspot::enumerate("demo", &s.root).unwrap();
    let sp = Spectral::new("s"); let np = Npr::new("n");
    let mut f: BTreeMap<(String, bool), Vec<[f64; 4]>> = BTreeMap::new();
    let mut prof: BTreeMap<(String, bool), Vec<Vec<f64>>> = BTreeMap::new();
    for sample in &e.samples {
        let img = decode_rgb(&s.root.join(&sample.rel_path)).unwrap();
        let a = sp.features(&img).unwrap();
        let r = np.ratio(&img).unwrap();
        prof.entry((sample.subset.clone(), sample.label.is_fake())).or_default().push(a.profile.clone());
        f.entry((sample.subset.clone(), sample.label.is_fake())).or_default().push([a.hf_drop, a.peak, a.logit(), r]);
    }
    for (hw, floor) in [(0.0, 1.3), (1.0, 1.3), (2.0, 1.3), (4.0, 1.3), (8.0, 1.3), (4.0, 2.0), (8.0, 2.0), (100.0, 1.3)] {
        print!("hw {hw} floor {floor}:");
        for sub in &s.subsets {
            let l = |v: &[f64; 4]| 4.0 * (v[1] - floor).max(0.0) + hw * (-1.5 - v[2]);
            let real: Vec<f64> = f[&(sub.clone(), false)].iter().map(l).collect();
            let fake: Vec<f64> = f[&(sub.clone(), true)].iter().map(l).collect();
            print!("  {sub} {:.3}", auc(&real, &fake));
        }
        println!();
    }
    for k in 0..4 {
        println!("feature {k}");
        for sub in &s.subsets {
            let real: Vec<f64> = f[&(sub.clone(), false)].iter().map(|v| v[k]).collect();
            let fake: Vec<f64> = f[&(sub.clone(), true)].iter().map(|v| v[k]).collect();
            println!("  {sub:<16} real {} fake {} auc(fake>real) {:.3}", ms(&real), ms(&fake), auc(&real, &fake));
        }
    }
}
