from labels.taxonomy import (
    CKPLUS_EMOTION, CLASSES, FER2013_EMOTION, RAFDB_LABEL, VOTE_COLUMNS, canonical_from_name,
)


def test_ferplus_order_and_vote_columns():
    assert CLASSES == ("neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt")
    assert VOTE_COLUMNS[-2:] == ("unknown", "NF")


def test_source_maps_land_in_canonical_classes():
    for table in (FER2013_EMOTION, RAFDB_LABEL, CKPLUS_EMOTION):
        assert set(table.values()) <= set(CLASSES)
    assert FER2013_EMOTION[3] == "happiness" and RAFDB_LABEL[4] == "happiness" and CKPLUS_EMOTION[5] == "happiness"
    assert CKPLUS_EMOTION[2] == "contempt" and RAFDB_LABEL[7] == "neutral" and FER2013_EMOTION[0] == "anger"


def test_folder_aliases():
    assert canonical_from_name("Happy") == "happiness"
    assert canonical_from_name("angry") == "anger"
    assert canonical_from_name("sadness") == "sadness"
    assert canonical_from_name("bored") is None
