import numpy as np
import pytest

from labels.quality import baseline_pred_probs, check_pred_probs, hog_features, label_issues


def test_label_issues_find_flipped_labels():
    rng = np.random.default_rng(0)
    n, k = 600, 3
    truth = rng.integers(0, k, n)
    probs = np.full((n, k), 0.05)
    probs[np.arange(n), truth] = 0.9
    probs /= probs.sum(axis=1, keepdims=True)
    labels = truth.copy()
    flipped = rng.choice(n, 30, replace=False)
    labels[flipped] = (labels[flipped] + 1) % k
    is_issue, quality = label_issues(labels, probs, num_classes=k)
    assert set(np.flatnonzero(is_issue)) == set(flipped)
    assert quality[flipped].max() < np.delete(quality, flipped).min()


def test_label_quality_is_the_margin_over_the_best_other_class():
    # sample 0: its label has 0.40 but one rival has 0.60; sample 1: 0.30, rivals 0.35 each.
    # Self-confidence calls sample 1 worse (0.30 < 0.40); the margin calls sample 0 worse (−0.20 < −0.05).
    probs = np.array([[0.40, 0.60, 0.00], [0.30, 0.35, 0.35]] + [[0.9, 0.05, 0.05], [0.05, 0.9, 0.05],
                                                                  [0.05, 0.05, 0.9]] * 10)
    labels = np.array([0, 0] + [0, 1, 2] * 10)
    _, quality = label_issues(labels, probs, num_classes=3)
    assert quality[0] < quality[1] < quality[2:].min()


@pytest.mark.parametrize("probs, labels, message", [
    (np.full((3, 2), 0.5), np.array([0, 1, 0]), r"shape \(N, 3\)"),
    (np.full((2, 3), 1 / 3), np.array([0, 1, 0]), "2 rows but there are 3 labelled samples"),
    (np.array([[0.5, 0.5, 0.5]] * 3), np.array([0, 1, 0]), r"rows \[0, 1, 2\] are not probability distributions"),
    (np.full((3, 3), 1 / 3), np.array([0, 1, 5]), "labels must be integers in 0..2"),
])
def test_check_pred_probs(probs, labels, message):
    with pytest.raises(ValueError, match=message):
        check_pred_probs(probs, labels, 3)


def test_baseline_is_out_of_fold_and_learns_separable_data():
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1, 2], 40)
    faces = []
    for y in labels:
        img = rng.integers(0, 60, (48, 48)).astype(np.uint8)
        if y == 0:
            img[:, :24] += 150
        elif y == 1:
            img[:24, :] += 150
        faces.append(img)
    probs = baseline_pred_probs(hog_features(faces), labels, num_classes=3, folds=4)
    assert probs.shape == (120, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1, atol=1e-6)
    assert (probs.argmax(axis=1) == labels).mean() > 0.9
    with pytest.raises(ValueError, match="at least 2 samples of every labelled class"):
        baseline_pred_probs(hog_features(faces[:3]), np.array([0, 1, 2]), num_classes=3)


def test_projection_is_unsupervised_pca_to_64_and_the_baseline_takes_projected_features():
    from labels.quality import fit_projection

    rng = np.random.default_rng(2)
    labels = np.repeat([0, 1], 60)
    features = rng.normal(size=(120, 900)).astype(np.float32)
    features[labels == 1, :50] += 3.0
    projection = fit_projection(features[:100])
    projected = projection.transform(features)
    assert projected.shape == (120, 64)
    assert fit_projection(features[:10]).transform(features).shape == (120, 9)  # at most M - 1 components
    probs = baseline_pred_probs(projected, labels, num_classes=2, folds=4)
    assert (probs.argmax(axis=1) == labels).mean() > 0.9
    with pytest.raises(ValueError, match="to fit a projection"):
        fit_projection(features[:1])
