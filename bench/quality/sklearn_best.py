"""scikit-learn's PCA + GaussianMixture on the evaluation sets, scored like gaussface's ImageModel: in pixel
space, with probabilistic PCA's isotropic residual (pca.noise_variance_) on the discarded directions.

Reads the exact pixels JS wrote (.bench-cache/quality/<set>.f32 + .json, rows in file order, [0, 1]), holds out
row i iff i % 5 == 4, sweeps PCA sizes x mixture sizes x covariance types and reports every configuration's
held-out log-likelihood per pixel; "best" is the configuration with the highest held-out score (chosen on the
held-out images themselves: an upper bound for scikit-learn). Usage:
  /usr/bin/python3 bench/quality/sklearn_best.py lfw [--pca 50,100,200] [--k 1,2,4,8] [--types full,diag] [--tag=-pca400]
Writes .bench-cache/quality/sklearn-<set><tag>.json and sklearn-<set><tag>-samples.f32 (16 samples of the best
model); bench/quality/table.mjs merges the runs of a set.
"""
import argparse, json, math, time
import numpy as np
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture

ap = argparse.ArgumentParser()
ap.add_argument("set")
ap.add_argument("--pca", default="50,100,200")
ap.add_argument("--k", default="1,2,4,8")
ap.add_argument("--types", default="full,diag")
ap.add_argument("--cache", default=".bench-cache/quality")
ap.add_argument("--tag", default="", help="suffix of the output files, to add PCA sizes to an earlier run")
a = ap.parse_args()

meta = json.load(open(f"{a.cache}/{a.set}.json"))
X = np.fromfile(f"{a.cache}/{a.set}.f32", dtype="<f4").reshape(meta["rows"], meta["cols"]).astype(np.float64)
held = np.arange(len(X)) % 5 == 4
train, test = X[~held], X[held]
D = X.shape[1]
t0 = time.time()


def pixel_loglik(pca, gm, x):
    """log p(x) per image: mixture on z = W(x - mean) + N(residual; 0, s2 I_{D-k})."""
    z = pca.transform(x)
    k, s2 = pca.n_components_, pca.noise_variance_
    ll = gm.score_samples(z)
    if k < D:
        r2 = ((x - pca.mean_) ** 2).sum(1) - (z ** 2).sum(1)
        ll = ll - 0.5 * ((D - k) * math.log(2 * math.pi * s2) + r2 / s2)
    return ll


rows, best = [], None
for p in map(int, a.pca.split(",")):
    pca = PCA(n_components=p, svd_solver="randomized", random_state=0).fit(train)
    ztr = pca.transform(train)
    for t in a.types.split(","):
        for k in map(int, a.k.split(",")):
            gm = GaussianMixture(k, covariance_type=t, random_state=0).fit(ztr)
            row = dict(pca=p, k=k, type=t, bic=float(gm.bic(ztr)),
                       heldOutPerPixel=float(pixel_loglik(pca, gm, test).mean() / D),
                       trainPerPixel=float(pixel_loglik(pca, gm, train).mean() / D))
            rows.append(row)
            print(json.dumps(row), f"{time.time() - t0:.0f}s", flush=True)
            if best is None or row["heldOutPerPixel"] > best[0]["heldOutPerPixel"]:
                best = (row, pca, gm)

row, pca, gm = best


def nearest(a_, b_):
    """Distance of each row of a_ to its nearest row of b_ (PCA space)."""
    d2 = (a_ ** 2).sum(1)[:, None] - 2 * a_ @ b_.T + (b_ ** 2).sum(1)[None, :]
    return np.sqrt(np.maximum(d2.min(1), 0))


ztr, zte = pca.transform(train), pca.transform(test)
zs, _ = gm.sample(200)
zs = zs[np.random.RandomState(0).permutation(200)]
row["medianSampleToTrain"] = float(np.median(nearest(zs, ztr)))
row["medianHeldOutToTrain"] = float(np.median(nearest(zte, ztr)))
np.clip(pca.inverse_transform(zs[:16]), 0, 1).astype("<f4").tofile(f"{a.cache}/sklearn-{a.set}{a.tag}-samples.f32")
bic = {p: min((r for r in rows if r["pca"] == p), key=lambda r: r["bic"]) for p in map(int, a.pca.split(","))}
json.dump(dict(set=a.set, rows=rows, best=row, bicChoice=bic, seconds=time.time() - t0), open(f"{a.cache}/sklearn-{a.set}{a.tag}.json", "w"), indent=1)
print("best", json.dumps(row))
