"""The scikit-learn side of QUALITY.md's MFA section: PCA(k) + GaussianMixture(c, full) on LFW 64×64 gray, scored
on the held-out rows (i % 5 == 4) in pixel space — the discarded PCA directions get the training set's mean
discarded variance (probabilistic PCA) — and the probabilistic-PCA curve (c = 1) from one SVD for larger k.
Input: the rows exactly as gaussface loads them (test/helpers/shared.mjs loadShared('lfw').X.data), written as a raw
float32 file of 6,546 × 4096 values.
    python3 bench/py/pca_gmm_pixel_lfw.py rows.f32
"""
import sys

import numpy as np
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture

X = np.fromfile(sys.argv[1], dtype=np.float32).reshape(-1, 4096).astype(np.float64)
idx = np.arange(len(X))
tr, te = X[idx % 5 != 4], X[idx % 5 == 4]
n, D = tr.shape
total = tr.var(axis=0, ddof=1).sum()

for k in [50, 100, 200]:
    pca = PCA(k, svd_solver="randomized", random_state=0).fit(tr)
    s2 = (total - pca.explained_variance_.sum()) / (D - k)
    Ytr, Yte = pca.transform(tr), pca.transform(te)
    resid = -0.5 * (D - k) * np.log(2 * np.pi * s2) - 0.5 * ((te - pca.inverse_transform(Yte)) ** 2).sum(1) / s2
    for c in [1, 2, 4, 8]:
        g = GaussianMixture(c, covariance_type="full", random_state=0).fit(Ytr)
        print(f"PCA {k} + GMM {c} full: held-out {(g.score_samples(Yte) + resid).mean() / D:.5f} nats/pixel", flush=True)

mu = tr.mean(0)
_, s, Vt = np.linalg.svd(tr - mu, full_matrices=False)
lam = s**2 / (n - 1)
P2 = ((te - mu) @ Vt.T) ** 2
r2 = ((te - mu) ** 2).sum(1)
for k in [300, 500, 700, 1000, 1500, 2000]:
    s2 = (lam.sum() - lam[:k].sum()) / (D - k)
    ll = -0.5 * (D * np.log(2 * np.pi) + np.log(lam[:k]).sum() + (D - k) * np.log(s2) + (P2[:, :k] / lam[:k]).sum(1) + (r2 - P2[:, :k].sum(1)) / s2)
    print(f"probabilistic PCA {k}: held-out {ll.mean() / D:.5f} nats/pixel", flush=True)
