"""Model-based label quality: confident learning on out-of-fold probabilities.

The real probabilities come from ``curate train --cv K`` (the trainer). Until
a trained model exists, :func:`baseline_pred_probs` gives honest but weak
ones: HOG features of the 48x48 face, PCA to 64 dimensions and a
multinomial logistic regression, cross-validated so every sample is scored
by a model that never saw it (about 40-45 % accurate on FER2013; enough to
rank the grossest label errors, not to trust on its own).

At scale the PCA is fitted once on a seeded sample of faces
(:func:`fit_projection`, no labels involved) and every face is projected in
chunks as it is read, so memory holds 64 floats per face, never the pixels
or the 900-wide descriptors of all of them.
"""

import numpy as np

INPUT_SIZE = 48


def check_pred_probs(pred_probs, labels, num_classes):
    """Validate (N, K) probabilities against (N,) integer labels; return float arrays."""
    probs = np.asarray(pred_probs, dtype=np.float64)
    labels = np.asarray(labels)
    if probs.ndim != 2 or probs.shape[1] != num_classes:
        raise ValueError(f"pred_probs must have shape (N, {num_classes}), got {probs.shape}")
    if len(probs) != len(labels):
        raise ValueError(f"pred_probs has {len(probs)} rows but there are {len(labels)} labelled samples")
    bad = ~np.isfinite(probs).all(axis=1) | (probs < 0).any(axis=1) | (np.abs(probs.sum(axis=1) - 1) > 1e-3)
    if bad.any():
        rows = np.flatnonzero(bad)[:10].tolist()
        raise ValueError(f"pred_probs rows {rows} are not probability distributions (non-negative, summing to 1)")
    if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"labels must be integers in 0..{num_classes - 1}")
    return probs, labels.astype(np.int64)


def label_posterior(labels, pred_probs, noise):
    """P(true class = given label | face, given label) by Bayes: float (N,) in [0, 1].

    Parameters
    ----------
    labels : int array (N,), the given labels
    pred_probs : float array (N, K), out-of-fold model probabilities
    noise : float array (K, K), ``noise[j, i]`` = P(given label i | true class j)
        (rows sum to 1)

    ``posterior[n] = p[n, y] · noise[y, y] / Σ_j p[n, j] · noise[j, y]`` with
    ``y = labels[n]``: the model's belief in each class, weighed by how often
    that class is given the label this face carries. A label a class is
    rarely given by mistake (FER2013's happiness) keeps a face with a 50/50
    prediction; one that many faces of other classes carry (FER2013's fear)
    loses it. Rows where the denominator vanishes get 0 (the label is one the
    model rules out).
    """
    probs, labels = np.asarray(pred_probs, dtype=np.float64), np.asarray(labels, dtype=np.int64)
    noise = np.asarray(noise, dtype=np.float64)
    if noise.shape != (probs.shape[1], probs.shape[1]):
        raise ValueError(f"noise must have shape ({probs.shape[1]}, {probs.shape[1]}), got {noise.shape}")
    weighed = probs * noise[:, labels].T  # (N, K): p(j | face) · P(given y | true j)
    total = weighed.sum(axis=1)
    mine = weighed[np.arange(len(labels)), labels]
    return np.divide(mine, total, out=np.zeros_like(mine), where=total > 0)


def noise_rates(labels, pred_probs, *, num_classes, confident_joint=None):
    """P(given label i | true class j) (K, K), rows = true class, from cleanlab's calibrated confident joint.

    Estimated on the same labels and out-of-fold probabilities, nothing else
    (``confident_joint``: cleanlab's ``compute_confident_joint`` of them, when
    the caller has it already). A class no face is confidently counted as (its
    row of the joint is empty) gets the identity row: its labels are taken as
    right.
    """
    from cleanlab.count import estimate_joint

    # (K given, K true): P(given i, true j)
    joint = estimate_joint(labels, pred_probs, confident_joint=confident_joint)
    given_by_true = np.zeros((num_classes, num_classes))
    given_by_true[:joint.shape[1], :joint.shape[0]] = joint.T
    rows = given_by_true.sum(axis=1, keepdims=True)
    return np.where(rows > 0, given_by_true / np.where(rows > 0, rows, 1.0), np.eye(num_classes))


def label_issues(labels, pred_probs, *, num_classes):
    """Confident learning (cleanlab) with a noise-aware ranking.

    Parameters
    ----------
    labels : int array (N,)
    pred_probs : float array (N, K), out-of-fold
    num_classes : int, K

    Returns
    -------
    (is_issue, quality) : bool array (N,), float array (N,) in [0, 1]
        ``quality`` (``label_quality``, low = likely wrong) is the posterior
        probability that the given label is right (:func:`label_posterior`)
        under the noise rates cleanlab estimates from the same probabilities
        (:func:`noise_rates`). ``is_issue`` tags as many samples as cleanlab's
        ``find_label_issues(filter_by="both")`` flags (class pruning and
        noise-rate pruning: conservative, as a weak model warrants): cleanlab
        says how many labels are wrong, the posterior says which — the lowest
        ``quality`` first (ties by index). On FER2013 judged by the FERPlus
        crowd this ranks real label errors well above cleanlab's normalized
        margin on every set of probabilities measured, and the tag at the same
        size is far more precise (benchmarks/RESULTS.md, label errors).
    """
    from cleanlab.count import compute_confident_joint
    from cleanlab.filter import find_label_issues

    probs, labels = check_pred_probs(pred_probs, labels, num_classes)
    present = np.unique(labels)
    if len(present) < 2:
        raise ValueError("label quality needs at least two classes with samples")
    joint = compute_confident_joint(labels, probs)  # one pass over the probabilities serves both
    count = int(np.sum(find_label_issues(labels, probs, filter_by="both", confident_joint=joint)))
    quality = label_posterior(labels, probs, noise_rates(labels, probs, num_classes=num_classes,
                                                         confident_joint=joint))
    is_issue = np.zeros(len(labels), dtype=bool)
    is_issue[np.lexsort((np.arange(len(labels)), quality))[:count]] = True
    return is_issue, quality


def hog_features(grays):
    """HOG descriptors of grayscale faces resized to 48x48: float32 (N, 900)."""
    import cv2

    hog = cv2.HOGDescriptor((INPUT_SIZE, INPUT_SIZE), (16, 16), (8, 8), (8, 8), 9)
    out = np.empty((len(grays), hog.getDescriptorSize()), dtype=np.float32)
    for i, gray in enumerate(grays):
        if gray.shape != (INPUT_SIZE, INPUT_SIZE):
            gray = cv2.resize(gray, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_AREA)
        out[i] = hog.compute(gray).ravel()
    return out


PROJECTED_DIMS = 64


def fit_projection(features, *, seed=0):
    """Standardise + PCA to :data:`PROJECTED_DIMS` fitted on ``features`` (M, D); its ``transform`` maps
    (N, D) to float (N, min(64, D, M - 1)). Unsupervised: fitting it on any sample of faces leaks no label."""
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features = np.asarray(features, dtype=np.float32)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"need (M >= 2, D) features to fit a projection, got shape {features.shape}")
    components = min(PROJECTED_DIMS, features.shape[1], len(features) - 1)
    return make_pipeline(StandardScaler(), PCA(n_components=components, random_state=seed)).fit(features)


def baseline_pred_probs(features, labels, *, num_classes, folds=5, seed=0):
    """Out-of-fold probabilities from (PCA +) logistic regression: float (N, K).

    ``features`` float (N, D): HOG descriptors (PCA to 64 is fitted inside each
    fold when D > 64) or descriptors already projected by :func:`fit_projection`.
    Classes absent from a training fold get probability 0 in that fold.
    """
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    labels = np.asarray(labels)
    counts = np.bincount(labels, minlength=num_classes)
    folds = int(min(folds, counts[counts > 0].min())) if (counts > 0).any() else 0
    if folds < 2:
        raise ValueError("the baseline needs at least 2 samples of every labelled class")
    probs = np.zeros((len(labels), num_classes))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(features, labels):
        steps = [StandardScaler()]
        if features.shape[1] > PROJECTED_DIMS:
            steps.append(PCA(n_components=min(PROJECTED_DIMS, len(train_idx) - 1), random_state=seed))
        model = make_pipeline(*steps, LogisticRegression(max_iter=300, C=0.5))
        model.fit(features[train_idx], labels[train_idx])
        probs[np.ix_(test_idx, model.classes_)] = model.predict_proba(features[test_idx])
    return probs
