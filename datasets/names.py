"""Names the dataset is read and written by: sample fields, tags, saved views, ``dataset.info`` keys.

One place for the strings, so a rename is one edit and a typo is a NameError,
not a silent empty view. Field types are in :mod:`datasets.samples`.
"""

# sample fields written by ingest (datasets/samples.py)
SAMPLE_KEY = "sample_key"
SOURCE = "source"
SPLIT = "split"
VOTES = "votes"
SOFT_LABEL = "soft_label"
FER2013_LABEL = "fer2013_label"
GROUND_TRUTH = "ground_truth"
GROUND_TRUTH_LABEL = "ground_truth.label"
# written by `curate score`, `curate label-quality`, `curate labels pull`
DISPUTE_SCORE = "dispute_score"
DUP_GROUP = "dup_group"
LEAK = "leak"
LABEL_ISSUE = "label_issue"
LABEL_QUALITY = "label_quality"
ANNOTATOR_VOTES = "annotator_votes"

# tags
TAG_DISPUTED = "disputed"
TAG_LEAK = "leak"
TAG_DUP = "dup"
TAG_NOT_FACE = "not-face"
TAG_BLANK = "blank"
TAG_LABEL_ISSUE = "label-issue"

# saved views
VIEW_DISPUTED = "disputed"
VIEW_CLEAN_TRAIN = "clean-train"
VIEW_LEAKAGE = "leakage"

# dataset.info keys
INFO_SOURCES = "sources"
INFO_SCORES = "scores"
INFO_LABEL_QUALITY = "label_quality"
INFO_STUDIO = "studio"

# Fields the model's view of the data writes (curate predict / explain)
CROWD = "crowd"
PREDICTION = "prediction"
EMBEDDING = "embedding"
HEATMAP = "heatmap"
EVAL_KEY = "eval"
PREDICTION_MISTAKENNESS = "prediction_mistakenness"
HARDNESS = "hardness"
BRAIN_MAP = "embeddings_map"
BRAIN_SIMILARITY = "similar"
INFO_PREDICTIONS = "predictions"
INFO_EXPLAIN = "explain"
