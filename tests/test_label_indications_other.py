"""Official label indications of other neurometabolic drugs (seeds/reference/label-indications-other.md),
and the condition concepts added for label indications that had none (dyslexia, tinnitus, ...)."""

from __future__ import annotations

from conftest import facts_of, run


def test_mexidol_indications_start_with_its_official_label() -> None:
    facts = run("indications", "mexidol", "--json").json()["facts"]
    assert facts, "mexidol has no indication"
    first = facts[0]
    assert first["evidence"] == "official-label"
    assert first["basis"] == "stated-use"
    assert first["source"]["id"] == "label-indications-other"
    assert [c["id"] for c in first["citations"]] == ["S350"]
    kinds = [fact["evidence"] for fact in facts]
    assert kinds == sorted(kinds, key=lambda kind: kind != "official-label")
    assert "official-label" in kinds and len(set(kinds)) > 1, "the article's claims still follow the label"
    glaucoma = [f for f in facts if f["id"] == "mexidol-lbl-ind-glaucoma-ru"]
    assert glaucoma and "as part of combined treatment" in glaucoma[0]["text"]


def test_semax_label_rows_keep_their_strength_apart() -> None:
    facts = run("indications", "semax", "--json").json()["facts"]
    by_id = {fact["id"]: fact for fact in facts}
    assert by_id["semax-lbl-ind-acute-stroke-ru"]["context"] == "Russian instruction, higher-strength drops"
    assert by_id["semax-lbl-ind-cognitive-ru"]["context"] == "Russian instruction, lower-strength drops"
    assert facts[0]["evidence"] == "official-label"


def test_dyslexia_is_reached_by_code_and_by_russian_title() -> None:
    by_code = run("for", "F81.0", "--json").json()
    by_title = run("for", "Специфическое расстройство чтения", "--json").json()
    for answer in (by_code, by_title):
        assert [c["id"] for c in answer["concepts"]] == ["dyslexia"]
        assert answer["concepts"][0]["title_ru"] == "Специфическое расстройство чтения"
        piracetam = {fact["id"] for fact in facts_of(answer, "piracetam")}
        assert {"piracetam-lbl-ind-dyslexia-cz", "piracetam-lbl-ind-dyslexia-smpc"} <= piracetam
        assert "piracetam-lbl-ind-vertigo-cz" not in piracetam
        assert {fact["id"] for fact in facts_of(answer, "lucetam")} == {
            "lucetam-lbl-ind-dyslexia-pl",
            "lucetam-lbl-ind-dyslexia-sk",
        }


def test_tinnitus_reaches_tanakan_and_kavinton_labels() -> None:
    answer = run("for", "H93.1", "--json").json()
    assert [c["id"] for c in answer["concepts"]] == ["tinnitus"]
    tanakan = {fact["id"]: fact for fact in facts_of(answer, "tanakan")}
    assert {"tanakan-lbl-ind-tinnitus-cz", "tanakan-lbl-ind-tinnitus-ru", "tanakan-lbl-ind-vertigo-tinnitus-rs"} <= set(
        tanakan
    )
    assert all(fact["evidence"] == "official-label" for fact in tanakan.values())
    assert "kavinton-lbl-ind-ear-sk" in {fact["id"] for fact in facts_of(answer, "kavinton")}


def test_sickle_cell_line_now_has_its_concept() -> None:
    answer = run("for", "D57", "--json").json()
    assert [c["id"] for c in answer["concepts"]] == ["sickle-cell-disease"]
    assert {fact["id"] for fact in facts_of(answer, "piracetam")} == {"piracetam-lbl-ind-sickle-cell-cz"}
