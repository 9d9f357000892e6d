"""The canonical emotion taxonomy and every source's raw-label mapping.

Canonical classes follow FERPlus order; FERPlus vote tables add two more
columns, ``unknown`` and ``NF`` (not a face)::

    index  0        1          2         3        4      5        6     7
    class  neutral  happiness  surprise  sadness  anger  disgust  fear  contempt
"""

CLASSES = (
    "neutral", "happiness", "surprise", "sadness",
    "anger", "disgust", "fear", "contempt",
)
VOTE_COLUMNS = CLASSES + ("unknown", "NF")
NUM_CLASSES = len(CLASSES)
NUM_VOTE_COLUMNS = len(VOTE_COLUMNS)
CLASS_INDEX = {name: i for i, name in enumerate(CLASSES)}

#: FER2013 ``emotion`` column (Kaggle ICML 2013).
FER2013_EMOTION = {
    0: "anger", 1: "disgust", 2: "fear", 3: "happiness",
    4: "sadness", 5: "surprise", 6: "neutral",
}
#: RAF-DB basic ``list_patition_label.txt`` labels.
RAFDB_LABEL = {
    1: "surprise", 2: "fear", 3: "disgust", 4: "happiness",
    5: "sadness", 6: "anger", 7: "neutral",
}
#: CK+ ``*_emotion.txt`` codes.
CKPLUS_EMOTION = {
    0: "neutral", 1: "anger", 2: "contempt", 3: "disgust",
    4: "fear", 5: "happiness", 6: "sadness", 7: "surprise",
}
#: AffectNet ``expression`` codes with a class (both releases).
AFFECTNET_EXPRESSION = {
    0: "neutral", 1: "happiness", 2: "sadness", 3: "surprise",
    4: "fear", 5: "disgust", 6: "anger", 7: "contempt",
}
#: AffectNet codes without one: 8 None, 9 Uncertain, 10 Non-Face → the FERPlus vote column they mean.
AFFECTNET_UNLABELLED = {8: "unknown", 9: "unknown", 10: "NF"}
#: JAFFE file-name expression codes (``KA.AN1.39.tiff``).
JAFFE_EXPRESSION = {
    "AN": "anger", "DI": "disgust", "FE": "fear", "HA": "happiness",
    "NE": "neutral", "SA": "sadness", "SU": "surprise",
}

#: English folder names used by image-folder repackagings (Kaggle FER2013,
#: CK+48, captures) mapped to canonical classes.
NAME_ALIASES = {
    **{name: name for name in CLASSES},
    "angry": "anger", "happy": "happiness", "sad": "sadness",
    "surprised": "surprise", "fearful": "fear", "disgusted": "disgust",
    "contemptuous": "contempt",
}


def canonical_from_name(name):
    """Return the canonical class for an English label name, or None.

    Case-insensitive; accepts canonical names and the common aliases
    (``happy``, ``angry``, ``sad``, ...).
    """
    return NAME_ALIASES.get(name.strip().lower())
