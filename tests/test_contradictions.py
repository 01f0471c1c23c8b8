"""Where an article contradicts an official label, one `contradicts-label` caveat says so, and
`show` puts it beside both sides: the article's row and the label row it runs into (for a combined
product, the label row of its ingredient, shown "via its ingredient")."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import run
from nmref.query.facts import FACT_SECTIONS

# The sections of `show --json` whose rows carry `caveat_ids`.
SECTIONS = (*FACT_SECTIONS, "analogues", "listed_as_analogue_of")


def rows_of(drug: str) -> dict[tuple[str, str], dict[str, Any]]:
    answer = run("show", drug, "--json").json()
    return {(section, row["id"]): row for section in SECTIONS for row in answer.get(section, [])}


def caveat_on(rows: dict[tuple[str, str], dict[str, Any]], section: str, fact_id: str) -> list[str]:
    assert (section, fact_id) in rows, f"{section}:{fact_id} is not shown"
    return rows[(section, fact_id)]["caveat_ids"]


# (drug shown, caveat, article row, label row); each row is (section of `show`, fact id).
CASES = [
    pytest.param(
        "cinnarizine",
        "cinnarizine-contradicts-label-recent-stroke",
        ("indications", "cinnarizine-nmt-stroke"),
        ("contraindications", "cinnarizine-lbl-ci-9"),
        id="1-cinnarizine-stroke",
    ),
    pytest.param(
        "piracetam",
        "piracetam-analogues-contradicts-label-cerebral-haemorrhage",
        ("listed_as_analogue_of", "ceraxon-an-piracetam-capsules"),
        ("contraindications", "piracetam-lbl-ci-2"),
        id="2-piracetam-analogue-brain-haemorrhage",
    ),
    pytest.param(
        "lucetam",
        "piracetam-analogues-contradicts-label-cerebral-haemorrhage",
        ("listed_as_analogue_of", "ceraxon-an-lucetam-injection"),
        ("contraindications", "piracetam-lbl-ci-2"),
        id="2-lucetam-analogue-via-ingredient",
    ),
    pytest.param(
        "vinpocetine",
        "vinpocetine-analogues-contradicts-label-haemorrhagic-stroke",
        ("listed_as_analogue_of", "ceraxon-an-vinpocetine-tablets"),
        ("contraindications", "vinpocetine-lbl-ci-6"),
        id="2-vinpocetine-analogue-haemorrhagic-stroke",
    ),
    pytest.param(
        "kavinton",
        "vinpocetine-analogues-contradicts-label-haemorrhagic-stroke",
        ("listed_as_analogue_of", "ceraxon-an-kavinton-tablets"),
        ("contraindications", "vinpocetine-lbl-ci-6"),
        id="2-kavinton-analogue-via-ingredient",
    ),
    pytest.param(
        "fezam",
        "fezam-contradicts-label-alzheimers",
        ("indications", "fezam-nmt-alzheimers"),
        ("contraindications", "piracetam-lbl-ci-6"),
        id="3-fezam-alzheimers",
    ),
    pytest.param(
        "thiocetam",
        "fezam-contradicts-label-alzheimers",
        ("indications", "thiocetam-nmt-alzheimers"),
        ("contraindications", "piracetam-lbl-ci-6"),
        id="3-thiocetam-alzheimers",
    ),
    pytest.param(
        "mildronate",
        "mildronate-contradicts-label-organic-cns-damage",
        ("indications", "mildronate-ind-cerebral-circulation"),
        ("contraindications", "mildronate-lbl-ci-8"),
        id="4-mildronate-organic-cns-damage",
    ),
    pytest.param(
        "mildronate",
        "mildronate-contradicts-label-organic-cns-damage",
        ("indications", "mildronate-ind-encephalopathy-list"),
        ("contraindications", "mildronate-lbl-ci-7"),
        id="4-mildronate-raised-intracranial-pressure",
    ),
    pytest.param(
        "glutamic-acid",
        "glutamic-acid-contradicts-label-psychosis",
        ("indications", "glutamic-acid-nmt-psychosis"),
        ("contraindications", "glutamic-acid-lbl-ci-7"),
        id="5-glutamic-acid-psychosis",
    ),
    pytest.param(
        "fezam",
        "fezam-contradicts-label-depression",
        ("indications", "fezam-nmt-mood"),
        ("contraindications", "cinnarizine-lbl-ci-4"),
        id="6-fezam-mood-cinnarizine-depression",
    ),
    pytest.param(
        "ceraxon",
        "ceraxon-contradicts-label-oral-contraindications",
        ("contraindications", "ceraxon-ci-vagotonia"),
        ("contraindications", "ceraxon-lbl-ci-2"),
        id="7-ceraxon-contraindications-not-injection-only",
    ),
    pytest.param(
        "ceraxon",
        "ceraxon-contradicts-label-intracranial-bleeding",
        ("indications", "ceraxon-ind-acute-hemorrhagic-stroke"),
        ("contraindications", "ceraxon-lbl-caution-2"),
        id="8-ceraxon-lasting-intracranial-bleeding",
    ),
    pytest.param(
        "mildronate",
        "mildronate-contradicts-label-side-effects-rare",
        ("adverse_effects", "mildronate-art-163"),
        ("adverse_effects", "mildronate-lbl-ae-1"),
        id="9-mildronate-side-effects-rare",
    ),
    pytest.param(
        "cerebrolysin",
        "cerebrolysin-contradicts-label-whey-protein",
        ("ingredients", "cerebrolysin-nmt-whey-protein"),
        ("ingredients", "cerebrolysin-lbl-pig-brain-peptides"),
        id="10-cerebrolysin-whey-protein",
    ),
]


@pytest.mark.parametrize(("drug", "caveat", "article_row", "label_row"), CASES)
def test_contradiction_is_shown_beside_the_article_row_and_the_label_row(
    drug: str, caveat: str, article_row: tuple[str, str], label_row: tuple[str, str]
) -> None:
    rows = rows_of(drug)
    article, label = rows.get(article_row), rows.get(label_row)
    assert article is not None, f"{article_row} is not shown for {drug}"
    assert label is not None, f"{label_row} is not shown for {drug}"
    assert article["evidence"] == "promotional-article"
    assert label["evidence"] == "official-label"
    assert caveat in caveat_on(rows, *article_row)
    assert caveat in caveat_on(rows, *label_row)


@pytest.mark.parametrize(("drug", "caveat_id"), [pytest.param(*case.values[:2], id=case.id) for case in CASES])
def test_the_caveat_is_a_contradicts_label_caveat_quoting_the_label(drug: str, caveat_id: str) -> None:
    answer = run("show", drug, "--json").json()
    caveats = {caveat["id"]: caveat for caveat in answer["caveats"]}
    assert caveat_id in caveats
    caveat = caveats[caveat_id]
    assert caveat["kind"] == "contradicts-label"
    # the caveat states the label side with the label notes' own line and its pages
    assert caveat["source"]["kind"] == "label-notes"
    assert caveat["citations"], caveat
    assert all(c["id"].startswith("S") for c in caveat["citations"])


def test_a_label_row_of_another_drug_is_not_marked() -> None:
    """The mark follows the links: piracetam's Huntington's chorea contraindication, which no
    article contradicts, carries none of the new caveats."""
    rows = rows_of("fezam")
    marked = caveat_on(rows, "contraindications", "piracetam-lbl-ci-5")
    assert not [c for c in marked if "-contradicts-label-" in c]


def test_every_analogue_containing_piracetam_carries_the_haemorrhage_caveat() -> None:
    rows = rows_of("ceraxon")
    caveat = "piracetam-analogues-contradicts-label-cerebral-haemorrhage"
    for analogue in ("piracetam-capsules", "nootropil-capsules", "lucetam-tablets", "fezam-capsules"):
        assert caveat in caveat_on(rows, "analogues", f"ceraxon-an-{analogue}")
    # an analogue with no piracetam in it does not
    assert caveat not in caveat_on(rows, "analogues", "ceraxon-an-glycine-sublingual")


@pytest.mark.parametrize(
    ("drug", "bleeding_warning"),
    [
        ("warfarin", "warfarin-lbl-warning-1"),
        ("heparin", "heparin-lbl-warning-2"),
        ("sinkumarin", "sinkumarin-lbl-warning-1"),
    ],
)
def test_the_surveys_not_dangerous_claim_is_set_against_each_anticoagulants_bleeding_warning(
    drug: str, bleeding_warning: str
) -> None:
    """The survey lists the anticoagulants and calls the danger of the therapy a misconception: the
    drug as a whole and its label's bleeding warning carry the contradiction."""
    answer = run("show", drug, "--json").json()
    caveat_id = f"{drug}-contradicts-label-not-dangerous"
    caveat = {caveat["id"]: caveat for caveat in answer["caveats"]}[caveat_id]
    assert caveat["kind"] == "contradicts-label"
    assert "bleeding" in caveat["quote"]
    assert {"drug_id": drug, "fact_table": None, "fact_id": None} in caveat["links"]
    assert caveat_id in caveat_on(rows_of(drug), "precautions", bleeding_warning)


def test_the_no_side_effects_claim_stands_beside_every_label_adverse_effect() -> None:
    rows = rows_of("cerebrolysin")
    label_adverse = [
        key for key, row in rows.items() if key[0] == "adverse_effects" and row["evidence"] == "official-label"
    ]
    assert label_adverse
    for section, fact_id in label_adverse:
        assert "cerebrolysin-contradicts-label-no-ci" in caveat_on(rows, section, fact_id)
