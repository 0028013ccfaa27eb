"""Each matching feature on its own, and the acceptance sentences of the matcher."""

from __future__ import annotations

from integrita.detection.screening import features as f
from integrita.detection.screening.index import BlockingIndex
from integrita.detection.screening.matcher import DEFAULT_THRESHOLD, explain, score
from integrita.detection.screening.names import fold_latin, parse_name, script_of, split_pinyin
from integrita.domain.screening import Identifier, ListEntity, Subject

LISTED = ListEntity(
    "KPi.901",
    "Person",
    ("王建国",),
    birth_dates=("1968-04-12",),
    countries=("CN",),
    identifiers=(Identifier("passport", "E12345678"),),
)


def _score(name: str, entity: ListEntity = LISTED, **kw: object) -> float:
    return score(Subject(name, **kw), entity).score  # type: ignore[arg-type]


def test_normalisation_drops_case_accents_and_punctuation() -> None:
    assert fold_latin("Müller-Lüdenscheidt, O.") == "muller ludenscheidt o"


def test_legal_forms_are_ignored_in_organisation_names() -> None:
    assert parse_name("Golden Harvest Trading Co., Ltd.", True).tokens == (
        "golden",
        "harvest",
        "trading",
    )
    assert parse_name("深圳远航电子股份有限公司", True).han == "深圳远航电子"


def test_script_detection_tells_han_from_latin() -> None:
    assert script_of("王建国") == "han"
    assert script_of("Wang Jianguo") == "latin"
    assert script_of("华为 Huawei") == "mixed"


def test_traditional_characters_read_as_simplified() -> None:
    assert parse_name("張偉").han == "张伟"


def test_han_name_reads_as_pinyin_with_compound_surname() -> None:
    assert parse_name("欧阳娜娜").readings[0].key == "ouyang|nana"
    assert parse_name("司马光").readings[0].key == "sima|guang"


def test_surname_reading_differs_from_ordinary_reading() -> None:
    assert parse_name("曾志伟").readings[0].surname == "zeng"


def test_pinyin_runs_split_into_syllables() -> None:
    assert split_pinyin("xiaoming") == ("xiao", "ming")
    assert split_pinyin("smith") is None


def test_wade_giles_and_cantonese_surnames_read_as_pinyin() -> None:
    assert {r.surname for r in parse_name("Cheung Wai").readings} == {"zhang"}
    assert {r.surname for r in parse_name("Chan Tai Man").readings} == {"chen"}
    assert "huang" in {r.surname for r in parse_name("Wong Kin Kwok").readings}


def test_chinese_name_matches_its_pinyin_in_both_name_orders() -> None:
    assert _score("Wang Jianguo") >= DEFAULT_THRESHOLD
    assert _score("Jianguo WANG") >= DEFAULT_THRESHOLD
    assert _score("Jian-Guo Wang") >= DEFAULT_THRESHOLD


def test_chinese_name_matches_its_traditional_character_form() -> None:
    assert _score("王建國") >= DEFAULT_THRESHOLD


def test_chinese_reading_identical_fires_across_scripts() -> None:
    assert f.chinese_reading_identical(parse_name("王建国"), parse_name("WANG Jianguo")) == 1.0
    assert f.chinese_reading_identical(parse_name("王建国"), parse_name("Wang Jianhua")) == 0.0


def test_han_characters_identical_needs_the_same_characters() -> None:
    assert f.han_characters_identical(parse_name("張偉"), parse_name("张伟")) == 1.0
    assert f.han_characters_identical(parse_name("张伟"), parse_name("张玮")) == 0.0


def test_a_common_surname_alone_does_not_match_a_full_name() -> None:
    assert _score("Wang") < DEFAULT_THRESHOLD
    assert _score("王") < DEFAULT_THRESHOLD


def test_same_given_name_different_surname_does_not_match() -> None:
    assert _score("Li Jianguo") < DEFAULT_THRESHOLD


def test_initials_give_weaker_evidence() -> None:
    assert f.chinese_initials(parse_name("WANG J."), parse_name("王建国")) == 1.0
    assert _score("WANG J.") < _score("Wang Jianguo")


def test_token_reordering_and_spelling_slips_still_match() -> None:
    smith = ListEntity("x", "Person", ("John Smith",))
    assert _score("Smith, John", smith) >= DEFAULT_THRESHOLD
    assert _score("Jon Smyth", smith) >= DEFAULT_THRESHOLD
    assert _score("John", smith) < DEFAULT_THRESHOLD


def test_phonetic_keys_agree_for_transliteration_variants() -> None:
    assert f.phonetic_identical(parse_name("Mohammed Ali"), parse_name("Muhammad Ali")) == 1.0


def test_birth_date_decades_apart_drives_a_good_name_match_below_the_threshold() -> None:
    assert _score("Wang Jianguo", birth_date="1968-04-12") >= DEFAULT_THRESHOLD
    assert _score("Wang Jianguo", birth_date="1994-04-12") < DEFAULT_THRESHOLD


def test_birth_date_feature_raises_exact_and_lowers_distant_dates() -> None:
    assert f.birth_date(Subject("x", birth_date="1968-04-12"), LISTED) > 0
    assert f.birth_date(Subject("x", birth_date="1972-01-01"), LISTED) < 0
    assert f.birth_date(Subject("x", birth_date="1990-01-01"), LISTED) <= -0.3


def test_a_different_passport_number_drives_a_good_name_match_below_the_threshold() -> None:
    other = (Identifier("passport", "E99999999"),)
    assert _score("Wang Jianguo", identifiers=other) < DEFAULT_THRESHOLD


def test_an_identical_passport_number_is_decisive() -> None:
    same = (Identifier("passport", "e1234-5678"),)
    assert _score("W. J.", identifiers=same) == 1.0


def test_country_mismatch_lowers_and_agreement_raises() -> None:
    assert f.country(Subject("x", countries=("CN",)), LISTED) > 0
    assert f.country(Subject("x", countries=("FR",)), LISTED) < 0


def test_a_person_does_not_match_a_company_of_the_same_name() -> None:
    company = ListEntity("c", "Company", ("Wang Jianguo Trading",))
    assert f.entity_type(Subject("x"), company) < 0


def test_company_names_match_across_legal_forms_and_scripts_of_characters() -> None:
    listed = ListEntity(
        "e", "Company", ("深圳远航电子有限公司", "Shenzhen Yuanhang Electronics Co., Ltd.")
    )
    assert _score("深圳遠航電子股份有限公司", listed, schema="Company") >= DEFAULT_THRESHOLD
    assert (
        _score("Shenzhen Yuanhang Electronics LLC", listed, schema="Company") >= DEFAULT_THRESHOLD
    )


def test_every_feature_has_an_explanation_for_the_analyst() -> None:
    described = explain()
    assert all(feat["explanation"] for feat in described["name_features"])  # type: ignore[attr-defined]
    assert all(spec.explanation for spec in f.REGISTRY.values())


def test_the_blocking_index_finds_the_entity_among_unrelated_ones() -> None:
    index = BlockingIndex()
    index.add([ListEntity(f"n{i}", "Person", (f"Person Number{i} Other",)) for i in range(500)])
    index.add([LISTED], source="un", snapshot_id=1)
    found = index.screen(Subject("Jianguo Wang"))
    assert [e.entity.entity_id for e, _ in found] == ["KPi.901"]
    assert (
        len(index.candidates(parse_name("Jianguo Wang").readings and [parse_name("Jianguo Wang")]))
        < 50
    )
