"""Label versions of the pages cited by the newer notes (seeds/reference/label-versions-2.md):
`nmref sources --json` names, for a label page cited by an indication, which label it carries and
the label's own date (or `not given`)."""

from __future__ import annotations

import csv
import re

from conftest import ROOT, run

REFERENCE = ROOT / "seeds" / "reference"
LABEL_GRADES = {"regulator", "holder", "label-copy"}
# Vascular label pages that could not be read again through the stored pages when the label
# versions were recorded (December 2026); they keep their indications but have no version yet.
# S1304 and S1310 were read again in the third set (label-versions-3.md).
NOT_READ_AGAIN = {"S387", "S1307", "S1309"}


def label_versions() -> list[dict]:
    return run("sources", "--json").json()["label_versions"]


def test_plavix_eu_product_information_copy_has_its_version() -> None:
    versions = [v for v in label_versions() if "S1302" in v["pages"]]
    assert len(versions) == 1, versions
    version = versions[0]
    assert version["drug_id"] == "plavix"
    assert version["country"] == "European Union"
    assert version["holder"] == "Sanofi Winthrop Industrie"
    assert version["dated"] == "not given"
    assert version["read_on"] == "2026-12-03"


def test_dated_versions_carry_the_labels_own_date() -> None:
    by_id = {v["id"]: v for v in label_versions()}
    assert by_id["plavix-eu-epar-overview"]["dated"] == "2018-10-25"
    assert by_id["plavix-eu-epar-overview"]["pages"] == ["S1300"]
    assert by_id["cinnarizine-uk-smpc-stugeron-rxreasoner"]["dated"] == "2018"


def test_new_kavinton_pages_are_recorded_under_kavinton() -> None:
    drugs = {v["drug_id"] for v in label_versions() if set(v["pages"]) & {"S1212", "S1213", "S1214"}}
    assert drugs == {"kavinton"}


def test_every_vascular_label_page_has_a_label_version() -> None:
    with (ROOT / "db" / "curated" / "sources.tsv").open(encoding="utf-8") as handle:
        grades = {row["id"]: row["grade"] for row in csv.DictReader(handle, delimiter="\t")}
    text = (REFERENCE / "label-indications-vascular.md").read_text(encoding="utf-8")
    cited = {key for group in re.findall(r"\[(S\d+(?: S\d+)*)\]", text) for key in group.split()}
    label_pages = {key for key in cited if grades.get(key) in LABEL_GRADES}
    assert len(label_pages) > 10, label_pages
    with_version = {page for version in label_versions() for page in version["pages"]}
    missing = label_pages - with_version
    assert missing == NOT_READ_AGAIN, sorted(missing ^ NOT_READ_AGAIN)


def test_pages_read_again_in_the_third_set_give_their_facts_a_version() -> None:
    # seeds/reference/label-versions-3.md: label pages that were cited by label facts but had no
    # label version; their facts now rest on a (here undated) version instead of on none.
    payload = run("sources", "--stale", "--json").json()
    by_page = {page: version["id"] for version in payload["label_versions"] for page in version["pages"]}
    facts = payload["stale"]["facts"]
    for page in ("S1100", "S1201", "S1702"):
        version_id = by_page[page]
        assert version_id.endswith("-v3"), (page, version_id)
        naming = [fact for fact in facts if version_id in fact["versions"]]
        assert naming, (page, version_id)
        assert all(fact["why"] != "no label version recorded for its pages" for fact in naming), naming
