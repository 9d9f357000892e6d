"""Recipes: one TOML file holds every training knob; options override it; runs record it."""

import dataclasses
from pathlib import Path

import pytest

from train.recipe import (
    SHIPPED_RECIPE, ExportRecipe, Recipe, load_recipe, recipe_text, with_overrides, write_recipe,
)
from train.settings import TrainSettings

BENCHMARK_RECIPES = Path(__file__).resolve().parents[2] / "benchmarks" / "recipes"


def write(tmp_path, text):
    path = tmp_path / "recipe.toml"
    path.write_text(text)
    return str(path)


def test_defaults_are_train_settings_and_a_recipe_names_only_what_differs(tmp_path):
    assert load_recipe(None) == Recipe(train=TrainSettings(), export=ExportRecipe())
    recipe = load_recipe(write(tmp_path, "[train]\nmax_minutes = 5\nstart_size = 32\n[export]\nlabels = 'majority'\n"))
    assert recipe.train == dataclasses.replace(TrainSettings(), max_minutes=5.0, start_size=32)
    assert isinstance(recipe.train.max_minutes, float)
    assert recipe.export == ExportRecipe(labels="majority") and recipe.teacher_seeds == ()


def test_the_shipped_recipe_is_the_shipped_models():
    import json
    import os

    recipe = load_recipe(SHIPPED_RECIPE)
    shipped = json.load(open(os.path.join(os.path.dirname(SHIPPED_RECIPE), "metrics.json")))
    settings = {k: v for k, v in shipped["settings"].items() if k != "teachers"}
    assert {k: getattr(recipe.train, k) for k in settings} == settings
    assert len(recipe.teacher_seeds) == len(shipped["settings"]["teachers"])
    assert recipe.train.select_best is False  # the honest final fit: last epoch, PublicTest only reported
    assert (recipe.export.view, recipe.export.scheme, recipe.export.labels) == (
        shipped["export"]["view"], shipped["export"]["scheme"], shipped["export"]["label_rule"])


@pytest.mark.parametrize("text, message", [
    ("[train]\nepoch = 3\n", r"\[train\] has no setting 'epoch'"),
    ("[train]\nepochs = 'many'\n", "epochs must be an integer"),
    ("[train]\nepochs = 2.5\n", "epochs must be an integer"),
    ("[train]\naugment = 1\n", "augment must be true or false"),
    ("[train]\nlearning_rate = true\n", "learning_rate must be a number"),
    ("[train]\nmodel = 3\n", "model must be a string"),
    ("[export]\nlabels = 'votes'\n", "labels 'votes' is not one of"),
    ("[trian]\n", r"unknown section\(s\) trian"),
    ("[distill]\nteacher_seeds = 2\n", "teacher_seeds must be a list of integers"),
    ("[distill]\nteacher_seeds = [0]\n[train]\nteachers = ['runs/a']\n", "not both"),
    ("[train\n", "not valid TOML"),
])
def test_bad_recipes_name_the_file_and_the_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=message) as err:
        load_recipe(path)
    assert str(err.value).startswith(path)


def test_missing_recipe_points_at_the_example(tmp_path):
    with pytest.raises(FileNotFoundError, match="openmv/model/recipe.toml"):
        load_recipe(str(tmp_path / "nope.toml"))


def test_overrides_given_win_and_none_keeps_the_recipe():
    recipe = Recipe(train=TrainSettings(epochs=7, seed=2), export=ExportRecipe(scheme="fer7"), teacher_seeds=(0, 1))
    out = with_overrides(recipe, epochs=3, seed=None, labels="majority", scheme=None)
    assert (out.train.epochs, out.train.seed, out.export.labels, out.export.scheme) == (3, 2, "majority", "fer7")
    assert out.teacher_seeds == (0, 1)
    assert with_overrides(recipe, teachers=("runs/a",)).teacher_seeds == ()  # explicit teachers replace the seeds


def test_a_held_out_share_given_turns_epoch_selection_on_in_a_final_fit_recipe():
    final_fit = Recipe(train=TrainSettings(select_best=False))
    assert with_overrides(final_fit, holdout=0.1).train.select_best is True  # `--holdout` chooses the epoch on it
    assert with_overrides(final_fit, holdout=0.1, select_best=False).train.select_best is False  # said outright
    assert with_overrides(final_fit, holdout=None).train.select_best is False
    assert with_overrides(load_recipe(SHIPPED_RECIPE), holdout=0.1).train.select_best is True


def test_written_recipes_read_back_equal(tmp_path):
    recipe = Recipe(train=TrainSettings(model="wiacek", learning_rate=1e-3, augment=False, teachers=("a", 'b"c')),
                    export=ExportRecipe(view="clean-train", labels="original"))
    path = write_recipe(recipe, str(tmp_path / "run"))
    assert load_recipe(path) == recipe
    assert "[distill]" not in recipe_text(recipe)
    seeded = dataclasses.replace(recipe, train=TrainSettings(), teacher_seeds=(4,))
    assert load_recipe(write_recipe(seeded, str(tmp_path / "run2"))) == seeded


@pytest.mark.parametrize("path", sorted(BENCHMARK_RECIPES.glob("*.toml")), ids=lambda p: p.name)
def test_benchmark_recipes_load(path):
    recipe = load_recipe(str(path))
    assert recipe.train.epochs > 0 and recipe.export.scheme
    if path.name == "wide-teacher.toml":
        assert (recipe.train.width, recipe.train.max_minutes, recipe.train.select_best) == (1.5, 0.0, True)
