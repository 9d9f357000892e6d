"""Class schemes: map the 8 canonical classes onto a model's classes.

A scheme lists its model classes in order and, for each canonical class,
the model class it merges into or ``None`` (dropped). Soft labels are
remapped by summing the merged classes' shares and renormalising over what
is kept; a sample whose whole label mass is dropped has no label under that
scheme. :meth:`Scheme.describe` prints the rule, so every view, export and
report can show it.

Built-in schemes (DESIGN.md §2): ``fer8``, ``fer7``, ``five``, ``four``,
``valence3``, ``smile2``. User schemes come from a small JSON or YAML file::

    {"name": "calm3", "classes": ["calm", "happy", "upset"],
     "map": {"neutral": "calm", "happiness": "happy", "sadness": "upset", "anger": "upset"}}

Canonical classes missing from ``map`` are dropped.
"""

import dataclasses
import json
import os

import numpy as np

from labels.taxonomy import CLASSES, NUM_CLASSES


@dataclasses.dataclass(frozen=True)
class Scheme:
    """A named mapping canonical class → model class (or None = dropped).

    Attributes:
        name: scheme name.
        classes: model classes, in model output order.
        mapping: dict canonical class → model class or None, for all 8.
    """

    name: str
    classes: tuple
    mapping: dict

    def __post_init__(self):
        unknown = set(self.mapping) - set(CLASSES)
        if unknown:
            raise ValueError(f"scheme {self.name!r}: unknown canonical classes {sorted(unknown)}")
        targets = {t for t in self.mapping.values() if t is not None}
        missing = targets - set(self.classes)
        if missing:
            raise ValueError(f"scheme {self.name!r}: maps to {sorted(missing)}, which are not in its classes")
        unused = set(self.classes) - targets
        if unused:
            raise ValueError(f"scheme {self.name!r}: classes {sorted(unused)} receive no canonical class")
        if len(set(self.classes)) != len(self.classes):
            raise ValueError(f"scheme {self.name!r}: duplicate class names")

    @property
    def matrix(self):
        """Float array (8, K): 1 where canonical class i merges into model class k."""
        m = np.zeros((NUM_CLASSES, len(self.classes)))
        for i, name in enumerate(CLASSES):
            target = self.mapping.get(name)
            if target is not None:
                m[i, self.classes.index(target)] = 1.0
        return m

    def remap_soft(self, soft):
        """Remap soft labels (N, 8) → (dist (N, K), keep (N,) bool).

        Kept rows sum to 1; rows with no mass on kept classes are all 0 and
        ``keep`` is False for them.
        """
        soft = np.asarray(soft, dtype=np.float64)
        if soft.ndim != 2 or soft.shape[1] != NUM_CLASSES:
            raise ValueError(f"soft labels must have shape (N, {NUM_CLASSES}), got {soft.shape}")
        merged = soft @ self.matrix
        total = merged.sum(axis=1, keepdims=True)
        keep = total[:, 0] > 0
        dist = np.divide(merged, total, out=np.zeros_like(merged), where=total > 0)
        return dist, keep

    def remap_label(self, label):
        """Canonical class name (or None) → model class name or None (dropped)."""
        return None if label is None else self.mapping.get(label)

    def describe(self):
        """One line: ``five: neutral←neutral; happiness←happiness; ... (dropped: disgust, fear, contempt)``."""
        parts = []
        for target in self.classes:
            sources = [c for c in CLASSES if self.mapping.get(c) == target]
            parts.append(f"{target}←{'+'.join(sources)}")
        dropped = [c for c in CLASSES if self.mapping.get(c) is None]
        tail = f" (dropped: {', '.join(dropped)})" if dropped else ""
        return f"{self.name}: {'; '.join(parts)}{tail}"


def _identity(name, classes):
    return Scheme(name, tuple(classes), {c: (c if c in classes else None) for c in CLASSES})


BUILTIN = {
    "fer8": _identity("fer8", CLASSES),
    "fer7": _identity("fer7", [c for c in CLASSES if c != "contempt"]),
    "five": _identity("five", ["neutral", "happiness", "surprise", "sadness", "anger"]),
    "four": _identity("four", ["neutral", "anger", "surprise", "happiness"]),
    "valence3": Scheme(
        "valence3", ("positive", "negative", "neutral"),
        {"happiness": "positive", "neutral": "neutral", "surprise": None,
         **{c: "negative" for c in ("sadness", "anger", "disgust", "fear", "contempt")}},
    ),
    "smile2": Scheme("smile2", ("smiling", "not_smiling"),
                     {c: ("smiling" if c == "happiness" else "not_smiling") for c in CLASSES}),
}


def load_scheme_file(path):
    """Read a user scheme from JSON (or YAML when PyYAML is installed)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: scheme file not found")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        if path.endswith((".yaml", ".yml")):
            import yaml

            spec = yaml.safe_load(text)
        else:
            spec = json.loads(text)
    except Exception as err:  # json and yaml raise different types
        raise ValueError(f"{path}: not a valid scheme file ({err})") from None
    if not isinstance(spec, dict) or not {"name", "classes", "map"} <= set(spec):
        raise ValueError(f"{path}: a scheme needs 'name', 'classes' and 'map'")
    mapping = {c: spec["map"].get(c) for c in CLASSES}
    extra = set(spec["map"]) - set(CLASSES)
    if extra:
        raise ValueError(f"{path}: unknown canonical classes {sorted(extra)} in 'map'")
    return Scheme(str(spec["name"]), tuple(spec["classes"]), mapping)


def get_scheme(name_or_path):
    """A built-in scheme by name, or a user scheme from a .json/.yaml file."""
    if name_or_path in BUILTIN:
        return BUILTIN[name_or_path]
    if name_or_path.endswith((".json", ".yaml", ".yml")):
        return load_scheme_file(name_or_path)
    raise ValueError(
        f"unknown scheme {name_or_path!r}; choose one of {', '.join(BUILTIN)} or pass a .json/.yaml scheme file"
    )
