"""Label Studio labeling configs generated from a class scheme, and read back.

A config shows the face and one single-choice question::

    <View>
      <Header value="..."/>
      <Image name="image" value="$image" .../>
      <Choices name="emotion" toName="image" choice="single-radio" ...>
        <Choice value="neutral" hotkey="1"/> ... <Choice value="not a face" hotkey="n"/>
        <Choice value="unsure" hotkey="u"/>
      </Choices>
    </View>

Answers become FERPlus vote columns (:mod:`labels.taxonomy`): an emotion
choice votes for its column, ``unsure`` for ``unknown`` and ``not a face``
for ``NF`` — exactly what the FERPlus crowd could answer. So only schemes
whose classes are canonical emotions (``fer8``, ``fer7``, ``five``,
``four``) can be labelled; any scheme can still be applied at export.
"""

import xml.etree.ElementTree as ET
from xml.sax.saxutils import quoteattr

import numpy as np

from labels.taxonomy import CLASS_INDEX, CLASSES, NUM_CLASSES

FROM_NAME = "emotion"
TO_NAME = "image"
NOT_A_FACE = "not a face"
UNSURE = "unsure"
EXTRA_CHOICES = (NOT_A_FACE, UNSURE)
EXTRA_COLUMNS = {UNSURE: NUM_CLASSES, NOT_A_FACE: NUM_CLASSES + 1}  # unknown, NF


def check_labelable(scheme):
    """Raise ValueError unless every class of ``scheme`` is one canonical emotion."""
    merged = [c for c in scheme.classes if c not in CLASS_INDEX or scheme.mapping.get(c) != c
              or sum(v == c for v in scheme.mapping.values()) != 1]
    if merged:
        raise ValueError(
            f"scheme {scheme.name} has classes that are not single emotions ({', '.join(merged)}): "
            "annotators vote per emotion, so label with fer8, fer7, five or four and apply "
            f"{scheme.name} at export"
        )


def label_config(scheme):
    """The labeling config XML (str) for ``scheme``: its classes + not a face + unsure."""
    check_labelable(scheme)
    choices = [*scheme.classes, *EXTRA_CHOICES]
    keys = {NOT_A_FACE: "n", UNSURE: "u"}
    lines = [
        "<View>",
        f"  <Header value={quoteattr(f'Which expression does this face show? (curate scheme {scheme.name})')}/>",
        f'  <Image name="{TO_NAME}" value="$image" width="288px" maxWidth="288px" zoom="true" '
        'brightnessControl="true" contrastControl="true"/>',
        f'  <Choices name="{FROM_NAME}" toName="{TO_NAME}" choice="single-radio" showInline="true" required="true">',
    ]
    for i, choice in enumerate(choices):
        hotkey = keys.get(choice, str(i + 1))
        lines.append(f"    <Choice value={quoteattr(choice)} hotkey={quoteattr(hotkey)}/>")
    lines += ["  </Choices>", "</View>"]
    return "\n".join(lines)


def config_choices(config_xml):
    """The choice values (tuple of str) of a config's ``emotion`` question.

    Raises ValueError when the XML does not parse or has no ``<Choices
    name="emotion" toName="image">`` over an ``<Image name="image">``.
    """
    try:
        root = ET.fromstring(config_xml)
    except ET.ParseError as err:
        raise ValueError(f"labeling config is not valid XML ({err})") from None
    if root.find(f".//Image[@name='{TO_NAME}']") is None:
        raise ValueError(f'labeling config has no <Image name="{TO_NAME}"> for the face')
    node = root.find(f".//Choices[@name='{FROM_NAME}']")
    if node is None or node.get("toName") != TO_NAME:
        raise ValueError(f'labeling config has no <Choices name="{FROM_NAME}" toName="{TO_NAME}"> question')
    return tuple(c.get("alias") or c.get("value") for c in node.iter("Choice"))


def check_config_matches(config_xml, scheme, project_title):
    """Raise ValueError unless a project's config asks exactly ``scheme``'s choices."""
    have = config_choices(config_xml)
    want = (*scheme.classes, *EXTRA_CHOICES)
    if tuple(have) != want:
        raise ValueError(
            f"Label Studio project {project_title!r} asks [{', '.join(have)}] but scheme {scheme.name} "
            f"needs [{', '.join(want)}]: push with the project's scheme or use another --project"
        )


def choice_columns(choices):
    """Answer names → FERPlus vote columns.

    Parameters
    ----------
    choices : sequence of str, length M
        Emotion names, ``unsure`` or ``not a face``.

    Returns
    -------
    np.ndarray of shape (M,), int64 in [0, 10)
        Raises ValueError naming the first answer that is none of these.
    """
    out = np.empty(len(choices), dtype=np.int64)
    for i, choice in enumerate(choices):
        if choice in CLASS_INDEX:
            out[i] = CLASS_INDEX[choice]
        elif choice in EXTRA_COLUMNS:
            out[i] = EXTRA_COLUMNS[choice]
        else:
            raise ValueError(
                f"answer {choice!r} is not one of {', '.join(CLASSES + EXTRA_CHOICES)}"
            )
    return out


def choice_result(choice):
    """A Label Studio result list answering ``choice`` (for predictions and tests)."""
    return [{"from_name": FROM_NAME, "to_name": TO_NAME, "type": "choices", "value": {"choices": [choice]}}]


def result_choice(result):
    """The chosen answer in an annotation's ``result`` list, or None when it has none."""
    for item in result or []:
        if item.get("from_name") == FROM_NAME and item.get("type") == "choices":
            chosen = item.get("value", {}).get("choices") or []
            if chosen:
                return chosen[0]
    return None
