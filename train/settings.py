"""Every training default, written once: :class:`TrainSettings`, the model names and their input geometry.

No TensorFlow here, so the command line can show defaults and choices
without loading it. Recipes (:mod:`train.recipe`) override these.
"""

import dataclasses

from labels.votes import LABEL_RULES  # noqa: F401  (re-exported for the command line and recipes)

#: model name → default input (H, W, C); the factories are in :mod:`train.models`
INPUT_SHAPES = {
    "seed_cnn": (48, 48, 1),
    "wiacek": (48, 48, 1),
    "mikhaylevskiy": (64, 64, 1),
    "camera": (48, 48, 1),
    "mobilenet_v2_035": (96, 96, 1),
}
MODEL_NAMES = tuple(INPUT_SHAPES)
DEFAULT_MODEL = "camera"
WEIGHTINGS = ("none", "inverse", "effective")


@dataclasses.dataclass
class TrainSettings:
    model: str = DEFAULT_MODEL
    input_size: int = 0  # > 0: build the model for square faces of this side instead of its default (INPUT_SHAPES)
    width: float = 1.0  # camera model only: channel multiplier (the family `curate search` explores)
    depth: int = 0  # camera model only: extra (or, -1, fewer) blocks at 12x12 and 6x6
    epochs: int = 60
    batch_size: int = 128
    learning_rate: float = 2e-3
    soft_labels: bool = True  # False: one-hot of the hard label
    class_weighting: str = "none"
    augment: bool = True
    erase: float = 0.0  # > 0: random erasing, a box of noise over this share of the faces (train/augment.py)
    mixup: float = 0.0  # > 0: Beta alpha of mixup on faces and soft targets (train/mixing.py), e.g. 0.2
    cutmix: float = 0.0  # > 0: Beta alpha of CutMix (with mixup too, each face takes one), e.g. 1.0
    patience: int = 15
    seed: int = 0
    max_minutes: float = 0.0  # > 0: cosine schedule over wall-clock time, stop when it is spent
    start_size: int = 0  # > 0: progressive resizing, training faces grow from this size to the model's
    steps_per_execution: int = 8  # training steps per graph call (less per-step Python overhead)
    teachers: tuple = ()  # run directories (or their teacher_predictions.npz) that teach this one (train/distill.py)
    teacher_weight: float = 0.8  # the teachers' share of the training targets
    ema_decay: float = 0.0  # > 0: validate and keep an exponential moving average of the weights (per step)
    holdout: float = 0.0  # > 0: validate (choose the epoch) on this share of train, near-duplicate groups whole;
    # the export's val split (PublicTest) is then only evaluated once, at the end
    clahe: float = 0.0  # > 0: CLAHE clip limit applied to every face before the model (host and camera alike)
    init: str = ""  # a run directory or "shipped": start from its weights (fine-tuning; see train/warm_start.py)
    select_best: bool = True  # keep the best val epoch (early stopping); False: no validation during training,
    # the last weights are kept (cross-validation for label quality, where selecting on the held-out labels would
    # fit their noise)
