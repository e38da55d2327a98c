#!/usr/bin/python3
"""scikit-learn / numpy side of `npm run bench`: times one workload with the given BLAS threads and prints
one JSON object. Features and initial parameters are written to the cache folder so that gaussface runs
on exactly the same inputs (same PCA features, same initial mixture parameters).

  /usr/bin/python3 bench/py/anchors.py gemm --threads 1 --shapes 512x512x512
  /usr/bin/python3 bench/py/anchors.py w1 --dataset olivetti --threads 1 --cache .bench-cache
"""
import argparse
import json
import os
import sys
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED_ANCHORS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "anchors", "python"))


def kernel():
    return "; ".join(f"{d.get('internal_api')} {d.get('version')} {d.get('architecture')} x{d.get('num_threads')}" for d in threadpool_info())


def times_of(fn, reps):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def median_time(fn, reps):
    return float(np.median(times_of(fn, reps)))


def best_time(fn, reps):
    """Fastest of reps: the machine's noise only ever adds time (the W3/W4 rows use it on both sides)."""
    return float(min(times_of(fn, reps)))


def gemm(args):
    out = []
    rng = np.random.default_rng(0)
    for shape in args.shapes:
        m, k, n = map(int, shape.split("x"))
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        a @ b  # warm-up
        t = median_time(lambda: a @ b, args.reps)
        out.append({"shape": shape, "seconds": t, "gflops": 2 * m * n * k / t / 1e9})
    return {"rows": out}


def write_f64(path, arr):
    np.ascontiguousarray(arr, dtype="<f8").tofile(path)


def gmm_init(X, k, n_init=1):
    """sklearn's initial parameters for random_state=0 (a max_iter=0 fit), for a same-start comparison."""
    from sklearn.mixture import GaussianMixture

    gm = GaussianMixture(n_components=k, covariance_type="full", n_init=n_init, max_iter=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(X)
    return {"weights": gm.weights_.tolist(), "means": gm.means_.ravel().tolist(), "precisions": gm.precisions_.ravel().tolist(),
            "covariances": gm.covariances_.ravel().tolist()}


def same_start_gmm(X, k, init):
    """EM from `init` (gmm_init's parameters), as both libraries run it in the same-start rows."""
    from sklearn.mixture import GaussianMixture

    d = X.shape[1]
    return GaussianMixture(n_components=k, covariance_type="full", max_iter=100, tol=1e-3, reg_covar=1e-6,
                           weights_init=np.array(init["weights"]), means_init=np.array(init["means"]).reshape(k, d),
                           precisions_init=np.array(init["precisions"]).reshape(k, d, d))


def timed_gmm(X, k, n_init):
    from sklearn.mixture import GaussianMixture

    gm = GaussianMixture(n_components=k, covariance_type="full", init_params="kmeans", n_init=n_init,
                         max_iter=100, tol=1e-3, reg_covar=1e-6, random_state=0)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(X)
    return gm, time.perf_counter() - t0


def shared_common():
    sys.path.insert(0, SHARED_ANCHORS)
    import common

    common.FASHION_DIR = os.path.join(os.path.dirname(os.path.dirname(SHARED_ANCHORS)), "datasets", "fashion_mnist")
    return common


def w1(args):
    common = shared_common()
    from sklearn.decomposition import PCA

    Xtr, Xte, shape = common.dataset_features(args.dataset)
    k = {"olivetti": 16, "lfw": 32, "fmnist10k": 16}[args.dataset]
    t0 = time.perf_counter()
    pca = PCA(n_components=100, svd_solver="randomized", random_state=0).fit(Xtr)
    pca_s = time.perf_counter() - t0
    Ztr, Zte = pca.transform(Xtr), pca.transform(Xte)
    gm, fit_s = timed_gmm(Ztr, k, 1)
    init = gmm_init(Ztr, k)
    # Same start for both: EM from sklearn's initial parameters, timed without the k-means init.
    same = same_start_gmm(Ztr, k, init)
    t0 = time.perf_counter()
    same.fit(Ztr)
    em_s = time.perf_counter() - t0
    os.makedirs(args.cache, exist_ok=True)
    write_f64(os.path.join(args.cache, f"w1_{args.dataset}_train.f64"), Ztr)
    write_f64(os.path.join(args.cache, f"w1_{args.dataset}_test.f64"), Zte)
    with open(os.path.join(args.cache, f"w1_{args.dataset}_init.json"), "w") as f:
        json.dump(init, f)
    return {"dataset": args.dataset, "k": k, "n_train": len(Ztr), "n_test": len(Zte), "pca_s": pca_s, "fit_s": fit_s,
            "n_iter": int(gm.n_iter_), "test_score": float(gm.score(Zte)), "same_start_fit_s": em_s,
            "same_start_n_iter": int(same.n_iter_), "same_start_test_score": float(same.score(Zte)),
            "same_start_train_score": float(same.score(Ztr))}


def w7(args):
    from PIL import Image

    g = np.asarray(Image.open("/usr/lib/python3/dist-packages/sklearn/datasets/images/china.jpg").convert("L")).astype(np.float64) / 255.0
    H = g.shape[0]
    rows, cols = np.nonzero(g < 0.15)
    X = np.stack([cols.astype(np.float64), (H - 1 - rows).astype(np.float64)], axis=1)
    gm, fit_s = timed_gmm(X, 30, args.n_init)
    init = gmm_init(X, 30)
    same = same_start_gmm(X, 30, init).fit(X)
    os.makedirs(args.cache, exist_ok=True)
    write_f64(os.path.join(args.cache, "w7_points.f64"), X)
    with open(os.path.join(args.cache, "w7_init.json"), "w") as f:
        json.dump(init, f)
    return {"n": len(X), "k": 30, "n_init": args.n_init, "fit_s": fit_s, "n_iter": int(gm.n_iter_), "score": float(gm.score(X)),
            "same_start_n_iter": int(same.n_iter_), "same_start_score": float(same.score(X))}


def w3(args):
    common = shared_common()
    from sklearn.decomposition import PCA

    X = common.fashion01("train") if args.dataset == "fmnist60k" else common.load_faces("lfw")
    if args.dataset == "lfw":  # the same decoded pixels for both sides (JPEG decoders differ)
        os.makedirs(args.cache, exist_ok=True)
        np.ascontiguousarray(X, dtype="<f4").tofile(os.path.join(args.cache, "w3_lfw_x.f32"))
    fit = lambda: PCA(n_components=150, svd_solver="randomized", random_state=0).fit(X)
    pca = fit()  # also warms up; the time is the best of 3, as ours
    return {"dataset": args.dataset, "n": len(X), "d": X.shape[1], "fit_s": best_time(fit, 3),
            "evr_sum": float(pca.explained_variance_ratio_.sum())}


def w4(args):
    common = shared_common()
    from sklearn.cluster import KMeans, kmeans_plusplus
    from sklearn.decomposition import PCA

    Xtr = common.fashion01("train") if args.dataset == "fmnist60k" else common.dataset_features("lfw")[0]
    Z = PCA(n_components=100, svd_solver="randomized", random_state=0).fit(Xtr).transform(Xtr)
    C0, _ = kmeans_plusplus(Z, 50, random_state=0)
    fit = lambda init: KMeans(n_clusters=50, init=init, n_init=1, algorithm="lloyd", max_iter=300, tol=1e-4, random_state=0).fit(Z)
    km, kpp = fit(C0), fit("k-means++")  # also warms up; the times are the best of 9 fits of LFW's 0.1 s, 3 of the rest (ours too)
    reps = 9 if args.dataset == "lfw" else 3
    given_s = best_time(lambda: fit(C0), reps)
    kpp_s = best_time(lambda: fit("k-means++"), reps)
    os.makedirs(args.cache, exist_ok=True)
    write_f64(os.path.join(args.cache, f"w4_{args.dataset}_z.f64"), Z)
    write_f64(os.path.join(args.cache, f"w4_{args.dataset}_c0.f64"), C0)
    return {"dataset": args.dataset, "n": len(Z), "given_s": given_s, "given_n_iter": int(km.n_iter_), "given_inertia": float(km.inertia_),
            "kpp_s": kpp_s, "kpp_n_iter": int(kpp.n_iter_), "kpp_inertia": float(kpp.inertia_)}


def w5(args):
    """PyTorch's W5 throughput (images/s over one epoch after 10 warm-up steps), the anchors' own model and loop."""
    shared_common()
    import torch
    import workloads_torch as wt

    Xtr, _ = wt.w5_data()
    with wt.pinned(args.threads, args.threads):
        torch.manual_seed(0)
        model = wt.MLPVAE()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        gen = torch.Generator().manual_seed(0)
        wt.train_epoch(model, opt, Xtr[:1280], 128, gen)
        t0 = time.perf_counter()
        seen, loss = wt.train_epoch(model, opt, Xtr, 128, gen)
        dt = time.perf_counter() - t0
    return {"images_per_s": seen / dt, "epoch_s": dt, "train_neg_elbo_epoch1": float(loss), "torch": torch.__version__}


def w6(args):
    """PyTorch's W6 throughput (images/s over 20 steps of batch 64 after 3 warm-up steps), the anchors' own
    ConvVAE and loss; the LFW training rows are decoded by the anchors' face loader."""
    shared_common()
    import torch
    import workloads_torch as wt

    X = wt.w6_data("lfw")
    n = X.shape[0]
    with wt.pinned(args.threads, args.threads):
        torch.manual_seed(0)
        model = wt.ConvVAE()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        gen = torch.Generator().manual_seed(0)
        perm = torch.randperm(n, generator=gen)

        def steps(first, count):
            for s in range(first * 64, (first + count) * 64, 64):
                xb = X[perm[s : s + 64]]
                logits, mu, lv = model(xb)
                loss, _, _ = wt.neg_elbo(logits, xb, mu, lv)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()

        steps(0, 3)
        t0 = time.perf_counter()
        steps(3, 20)
        dt = time.perf_counter() - t0
    return {"images_per_s": 20 * 64 / dt, "step_s": dt / 20, "torch": torch.__version__}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload", choices=["gemm", "w1", "w3", "w4", "w5", "w6", "w7"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--shapes", nargs="+", default=[])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--dataset", default="olivetti")
    ap.add_argument("--n-init", dest="n_init", type=int, default=10)
    ap.add_argument("--cache", default=".bench-cache")
    args = ap.parse_args()
    with threadpool_limits(limits=args.threads):
        res = globals()[args.workload](args)
        res["kernel"] = kernel()
    res["threads"] = args.threads
    print(json.dumps(res))


if __name__ == "__main__":
    main()
