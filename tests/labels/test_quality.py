import numpy as np
import pytest

from labels.quality import (baseline_pred_probs, check_pred_probs, hog_features, label_issues, label_posterior,
                            noise_rates)


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


def test_label_posterior_by_hand():
    # true 0 is given label 0 90 % of the time; true 1 is given label 0 40 % of the time
    noise = np.array([[0.9, 0.1], [0.4, 0.6]])
    probs = np.array([[0.5, 0.5], [0.5, 0.5], [0.0, 1.0], [1.0, 0.0]])
    labels = np.array([0, 1, 0, 1])
    np.testing.assert_allclose(label_posterior(labels, probs, noise), [0.45 / 0.65, 0.30 / 0.35, 0.0, 0.0])
    # labels that say nothing (every class given every label alike): the model's own probability of the label
    np.testing.assert_allclose(label_posterior(labels, probs, np.full((2, 2), 0.5)), [0.5, 0.5, 0.0, 0.0])
    # noise-free labels are right wherever the model allows them; a label it rules out gets 0, not NaN
    np.testing.assert_allclose(label_posterior(labels, probs, np.eye(2)), [1.0, 1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"noise must have shape \(2, 2\)"):
        label_posterior(labels, probs, np.eye(3))


def test_noise_rates_find_the_label_other_classes_carry_and_rank_by_it():
    # faces of class 1 are labelled 0 40 % of the time; classes 0 and 2 keep their labels
    rng = np.random.default_rng(0)
    n = 900
    truth = np.repeat([0, 1, 2], n // 3)
    probs = np.full((n, 4), 0.02)
    probs[np.arange(n), truth] = 0.94
    probs /= probs.sum(axis=1, keepdims=True)
    labels = truth.copy()
    moved = rng.choice(np.flatnonzero(truth == 1), 120, replace=False)
    labels[moved] = 0
    noise = noise_rates(labels, probs, num_classes=4)  # class 3: no face, no label
    np.testing.assert_allclose(noise.sum(axis=1), 1.0)
    assert abs(noise[1, 0] - 0.4) < 0.05 and noise[0, 0] > 0.95 and noise[2, 2] > 0.95
    np.testing.assert_array_equal(noise[3], [0, 0, 0, 1])
    # two faces the model splits evenly: labelled 0 (a label class 1 often carries) vs labelled 2 (never carried)
    split = np.array([[0.5, 0.5, 0.0, 0.0], [0.0, 0.5, 0.5, 0.0]])
    p0, p2 = label_posterior(np.array([0, 2]), split, noise)
    assert p0 < 0.8 < 0.95 < p2


def test_label_issues_tag_cleanlabs_count_chosen_by_the_posterior():
    rng = np.random.default_rng(3)
    n, k = 600, 3
    truth = rng.integers(0, k, n)
    probs = rng.dirichlet(np.ones(k) * 0.7, n) * 0.5
    probs[np.arange(n), truth] += 0.5
    labels = truth.copy()
    flipped = rng.choice(n, 90, replace=False)
    labels[flipped] = (labels[flipped] + 1) % k
    from cleanlab.filter import find_label_issues

    is_issue, quality = label_issues(labels, probs, num_classes=k)
    assert is_issue.sum() == find_label_issues(labels, probs, filter_by="both").sum()
    assert quality[is_issue].max() <= quality[~is_issue].min()
    np.testing.assert_allclose(quality, label_posterior(labels, probs, noise_rates(labels, probs, num_classes=k)))


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
