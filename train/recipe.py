"""Training recipes: every knob of a training run in one TOML file.

A recipe names only what differs from the defaults, which are written once,
in :class:`train.fit.TrainSettings` (training) and :class:`ExportRecipe`
(which labels the run trains on)::

    [export]                 # what `curate export` / the loop writes for it
    view = "clean-train"     # default: the export's own (clean-train if saved)
    scheme = "fer8"
    labels = "crossentropy"  # label rule
    size = 48                # default: the model's input side

    [train]                  # any TrainSettings field
    model = "camera"
    max_minutes = 42
    start_size = 32
    ema_decay = 0.9995

    [distill]                # optional: train these seeds first, then distil the student from them
    teacher_seeds = [0, 1]

Read by ``curate train --recipe``, ``curate loop --recipe``, the benchmarks
and ``make camera-model`` (the shipped model's recipe is
``openmv/model/recipe.toml``); command-line options override it
(:func:`with_overrides`). Every run directory gets the recipe it ran as
``recipe.toml`` (:func:`write_recipe`), so a run can be repeated from it.
"""

import dataclasses
import os
import tomllib

from train.run_files import RECIPE_NAME, is_trained
from train.settings import INPUT_SHAPES, LABEL_RULES, TrainSettings

SHIPPED_RECIPE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "openmv", "model",
                              RECIPE_NAME)


@dataclasses.dataclass(frozen=True)
class ExportRecipe:
    view: str = None  # None: the export's default (clean-train when saved, else all)
    scheme: str = "fer8"
    labels: str = "crossentropy"
    size: int = 0  # face side the export is written at; 0: the model's input side


@dataclasses.dataclass(frozen=True)
class Recipe:
    train: TrainSettings = dataclasses.field(default_factory=TrainSettings)
    export: ExportRecipe = dataclasses.field(default_factory=ExportRecipe)
    teacher_seeds: tuple = ()  # [distill]: train one teacher per seed first, then distil the student from them


def _checked(section_cls, table, path, section):
    """Dataclass ``section_cls`` from a TOML table; unknown keys and wrong types raise ValueError naming them."""
    fields = {f.name: f for f in dataclasses.fields(section_cls)}
    defaults = section_cls()
    values = {}
    for key, value in table.items():
        if key not in fields:
            raise ValueError(f"{path}: [{section}] has no setting {key!r}; known: {', '.join(sorted(fields))}")
        default = getattr(defaults, key)
        if isinstance(default, tuple):
            if not isinstance(value, list):
                raise ValueError(f"{path}: [{section}] {key} must be a list, not {value!r}")
            value = tuple(value)
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValueError(f"{path}: [{section}] {key} must be true or false, not {value!r}")
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{path}: [{section}] {key} must be a number, not {value!r}")
            value = float(value)
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{path}: [{section}] {key} must be an integer, not {value!r}")
        elif not isinstance(value, str):
            raise ValueError(f"{path}: [{section}] {key} must be a string, not {value!r}")
        values[key] = value
    return section_cls(**values)


def load_recipe(path=None):
    """The :class:`Recipe` in TOML file ``path`` (None: all defaults). Bad files raise ValueError naming the key."""
    if path is None:
        return Recipe()
    if not os.path.isfile(path):
        raise FileNotFoundError(f"recipe {path} not found; see {SHIPPED_RECIPE} for an example")
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{path}: not valid TOML ({err})") from err
    unknown = set(data) - {"train", "export", "distill"}
    if unknown:
        raise ValueError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}; use [train], [export], [distill]")
    train = _checked(TrainSettings, data.get("train", {}), path, "train")
    export = _checked(ExportRecipe, data.get("export", {}), path, "export")
    if export.labels not in LABEL_RULES:
        raise ValueError(f"{path}: [export] labels {export.labels!r} is not one of {', '.join(LABEL_RULES)}")
    distill = data.get("distill", {})
    if set(distill) - {"teacher_seeds"}:
        raise ValueError(f"{path}: [distill] knows only teacher_seeds")
    seeds = distill.get("teacher_seeds", [])
    if not isinstance(seeds, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        raise ValueError(f"{path}: [distill] teacher_seeds must be a list of integers, not {seeds!r}")
    if seeds and train.teachers:
        raise ValueError(f"{path}: give teachers either as [train] teachers or as [distill] teacher_seeds, not both")
    return Recipe(train=train, export=export, teacher_seeds=tuple(seeds))


def with_overrides(recipe, **given):
    """``recipe`` with the given settings replaced; ``None`` means "not given" and keeps the recipe's.

    Keys are TrainSettings fields or ``view``/``scheme``/``labels`` (export) or ``teacher_seeds``.
    A held-out share given here (``--holdout``) is for choosing the epoch on, so it turns
    ``select_best`` on unless that is given too (a final-fit recipe keeps it off).
    """
    given = {k: v for k, v in given.items() if v is not None}
    if given.get("holdout"):
        given.setdefault("select_best", True)
    export_keys = {f.name for f in dataclasses.fields(ExportRecipe)}
    export = {k: given.pop(k) for k in list(given) if k in export_keys}
    seeds = given.pop("teacher_seeds", recipe.teacher_seeds)
    if given.get("teachers"):
        seeds = ()  # explicit teacher runs replace the recipe's teacher seeds
    return Recipe(train=dataclasses.replace(recipe.train, **given),
                  export=dataclasses.replace(recipe.export, **export), teacher_seeds=tuple(seeds))


def export_size(recipe):
    """Face side an export for ``recipe`` is written at: its [export] size, else the model's input side
    ([train] input_size, else the model's default)."""
    if recipe.export.size:
        return recipe.export.size
    if recipe.train.input_size:
        return recipe.train.input_size
    if recipe.train.model not in INPUT_SHAPES:
        raise ValueError(f"unknown model {recipe.train.model!r}; choose one of {', '.join(INPUT_SHAPES)}")
    return INPUT_SHAPES[recipe.train.model][0]


def _toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def recipe_text(recipe):
    """TOML text of ``recipe`` with every setting spelled out (load_recipe reads it back equal)."""
    lines = ["[export]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in dataclasses.asdict(recipe.export).items() if v is not None]
    lines += ["", "[train]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in dataclasses.asdict(recipe.train).items()]
    if recipe.teacher_seeds:
        lines += ["", "[distill]", f"teacher_seeds = {_toml_value(list(recipe.teacher_seeds))}"]
    return "\n".join(lines) + "\n"


def write_recipe(recipe, run_dir):
    """Write ``recipe`` as ``<run_dir>/recipe.toml``; return the path."""
    os.makedirs(run_dir, exist_ok=True)
    path = os.path.join(run_dir, RECIPE_NAME)
    with open(path, "w") as f:
        f.write(recipe_text(recipe))
    return path


def teacher_run(run_dir, seed):
    """Where the teacher of ``seed`` for the student in ``run_dir`` is trained: ``<run_dir>-teacher-seed<N>``."""
    return f"{os.path.normpath(run_dir)}-teacher-seed{seed}"


def train_recipe(export_dir, run_dir, recipe, *, quiet=False, echo=print):
    """Train ``recipe`` on an export: its teachers first (reused when already trained), then the model.

    Returns the student's metrics dict (see :func:`train.fit.train_model`).
    """
    from train.fit import train_model

    settings = recipe.train
    if recipe.teacher_seeds:
        teachers = []
        for seed in recipe.teacher_seeds:
            teacher_dir = teacher_run(run_dir, seed)
            if not is_trained(teacher_dir):
                echo(f"teacher seed {seed} → {teacher_dir}")
                teacher = Recipe(train=dataclasses.replace(settings, seed=seed), export=recipe.export)
                train_model(export_dir, teacher_dir, teacher.train, quiet=quiet)
                write_recipe(teacher, teacher_dir)
            teachers.append(os.path.abspath(teacher_dir))
        settings = dataclasses.replace(settings, teachers=tuple(teachers))
    metrics = train_model(export_dir, run_dir, settings, quiet=quiet)
    write_recipe(recipe, run_dir)
    return metrics
