"""Each list reader on a file in its published format, and refusals that name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrita.errors import InputError
from integrita.services.screening.formats import read_list

FIXTURES = Path(__file__).parent / "fixtures"
BANK_MAPPING = {
    "id": "ref",
    "name": "full_name",
    "aliases": "other_names",
    "schema": "type",
    "birth_date": "dob",
    "country": "nationality",
    "passport": "passport_no",
    "programme": "list_name",
}


def _by_id(source: str, name: str, mapping: dict[str, str] | None = None) -> dict[str, object]:
    return {e.entity_id: e for e in read_list(source, FIXTURES / name, mapping)}


def test_un_consolidated_xml_keeps_aliases_original_script_birth_dates_and_passports() -> None:
    entities = _by_id("un", "un_consolidated.xml")
    wang = entities["KPi.901"]
    assert wang.names == ("WANG JIANGUO", "王建国", "Wong Kin Kwok")  # type: ignore[attr-defined]
    assert wang.birth_dates == ("1968-04-12",)  # type: ignore[attr-defined]
    assert wang.countries == ("CN",)  # type: ignore[attr-defined]
    assert wang.identifiers[0].number == "E12345678"  # type: ignore[attr-defined]
    assert wang.programmes == ("DPRK",)  # type: ignore[attr-defined]
    assert entities["QDi.902"].birth_dates == ("1977",)  # type: ignore[attr-defined]
    assert entities["KPe.903"].schema == "Organization"  # type: ignore[attr-defined]


def test_ofac_sdn_xml_reads_akas_ids_nationality_and_programme() -> None:
    chang = _by_id("ofac_sdn", "ofac_sdn.xml")["OFAC-91001"]
    assert "張秀英" in chang.names and "Xiuying ZHANG" in chang.names  # type: ignore[attr-defined]
    assert chang.birth_dates == ("1971-03-03",)  # type: ignore[attr-defined]
    assert chang.countries == ("TW",)  # type: ignore[attr-defined]
    assert chang.identifiers[0].kind == "passport"  # type: ignore[attr-defined]
    assert chang.programmes == ("SDGT",)  # type: ignore[attr-defined]


def test_ofac_sdn_csv_reads_aliases_from_alt_csv_and_facts_from_remarks() -> None:
    entities = _by_id("ofac_sdn", "sdn.csv")
    chang = entities["OFAC-91001"]
    assert chang.names == ("CHANG Hsiu-Ying", "ZHANG Xiuying", "張秀英")  # type: ignore[attr-defined]
    assert chang.birth_dates == ("1971-03-03",)  # type: ignore[attr-defined]
    assert chang.identifiers[0].number == "302958111"  # type: ignore[attr-defined]
    assert entities["OFAC-91002"].schema == "Organization"  # type: ignore[attr-defined]


def test_eu_financial_sanctions_xml_reads_name_aliases_citizenship_and_identification() -> None:
    entities = _by_id("eu", "eu_fsf.xml")
    ivan = entities["EU.9001.11"]
    assert ivan.names == ("Ivan Petrovich Sidorov", "Иван Петрович Сидоров")  # type: ignore[attr-defined]
    assert ivan.countries == ("RU",)  # type: ignore[attr-defined]
    assert ivan.identifiers[0].number == "720123456"  # type: ignore[attr-defined]
    assert entities["EU.9002.22"].schema == "Organization"  # type: ignore[attr-defined]


def test_followthemoney_json_lines_skip_non_screened_schemas_and_keep_topics() -> None:
    entities = _by_id("ftm", "opensanctions.jsonl")
    assert set(entities) == {"Q-pep-liu-dehua", "NK-ouyang-feng", "NK-baihu-co"}
    assert entities["Q-pep-liu-dehua"].topics == ("role.pep",)  # type: ignore[attr-defined]
    assert entities["NK-baihu-co"].identifiers[0].kind == "registration"  # type: ignore[attr-defined]


def test_bank_csv_reads_through_its_column_mapping() -> None:
    entities = _by_id("bank", "bank_watchlist.csv", BANK_MAPPING)
    chan = entities["W-001"]
    assert chan.names == ("陈大文", "Chan Tai Man", "Chen Dawen")  # type: ignore[attr-defined]
    assert chan.identifiers[0].number == "K1234567"  # type: ignore[attr-defined]
    assert entities["W-002"].schema == "Company"  # type: ignore[attr-defined]


def test_bank_csv_without_the_mapped_name_column_is_refused() -> None:
    with pytest.raises(InputError, match=r"bank_watchlist.csv, line 1: no column 'name'"):
        read_list("bank", FIXTURES / "bank_watchlist.csv", {"id": "ref"})


def test_malformed_json_lines_are_refused_with_file_and_line() -> None:
    with pytest.raises(InputError, match=r"broken.jsonl, line 2: not a JSON object"):
        read_list("ftm", FIXTURES / "broken.jsonl")


def test_an_entity_without_its_id_is_refused_with_file_and_line() -> None:
    with pytest.raises(InputError, match=r"broken_un.xml, line 8: INDIVIDUAL without DATAID"):
        read_list("un", FIXTURES / "broken_un.xml")


def test_xml_that_is_not_well_formed_is_refused_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "cut.xml"
    bad.write_text("<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n<INDIVIDUAL>\n")
    with pytest.raises(InputError, match=r"cut.xml, line 4: not well-formed XML"):
        read_list("un", bad)


def test_xml_with_entity_declarations_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<!DOCTYPE x [<!ENTITY a "aaaa">]><CONSOLIDATED_LIST>&a;</CONSOLIDATED_LIST>')
    with pytest.raises(InputError, match="refused XML"):
        read_list("un", bomb)


def test_the_wrong_format_for_a_source_is_refused() -> None:
    with pytest.raises(InputError, match="expected CONSOLIDATED_LIST, found sdnList"):
        read_list("un", FIXTURES / "ofac_sdn.xml")
