"""The book's screening keys: written once per customer, replaced on change, joined on a list
change."""

from __future__ import annotations

from pathlib import Path

from integrita.analytics import screening_keys
from integrita.analytics.screening_keys import CustomerKeyStore
from integrita.detection.screening.index import READING_PREFIX, BlockingIndex, subject_keys
from integrita.domain.screening import ListEntity, Subject


def _keyed(*customers: tuple[str, str]) -> list[tuple[str, set[str]]]:
    return [(cid, subject_keys(Subject(name, reference=cid))) for cid, name in customers]


def _changed(*names: str) -> BlockingIndex:
    index = BlockingIndex()
    index.add(ListEntity(f"E{i}", "Person", (n,)) for i, n in enumerate(names))
    return index


def test_only_customers_meeting_a_changed_entity_are_returned(tmp_path: Path) -> None:
    store = CustomerKeyStore(tmp_path)
    store.write(
        _keyed(("C1", "王建国"), ("C2", "Zhou Xiaoming"), ("C3", "John Smith"), ("C4", "李娜"))
    )
    # 王建国 meets WANG Jianguo by its reading; John Smith meets Jon Smith on two keys
    met = store.meeting(
        _changed("WANG Jianguo", "Jon Smith").entity_keys(), reading_prefix=READING_PREFIX
    )
    assert met == {"C1": [0], "C3": [1]}


def test_a_given_name_alone_is_no_reason_to_score(tmp_path: Path) -> None:
    store = CustomerKeyStore(tmp_path)
    store.write(_keyed(("C1", "Li Xiaoming"), ("C2", "Mohammed Ali"), ("C3", "Zhou Xun")))
    # Li Xiaoming shares only the given name with Wang Xiaoming (its reading repeats the word)
    changed = _changed("Wang Xiaoming", "Muhammad Ali")
    assert store.meeting(changed.entity_keys(), reading_prefix=READING_PREFIX) == {"C2": [1]}


def test_two_chinese_names_sharing_only_a_surname_do_not_meet(tmp_path: Path) -> None:
    store = CustomerKeyStore(tmp_path)
    store.write(_keyed(("C1", "Jiang Xiaoming"), ("C2", "蒋建国"), ("C3", "Robert Jiang")))
    # C1 and C2 read as Chinese: only their readings may meet Jiang Jianhua, and they differ;
    # Robert Jiang does not read as Chinese, so the surname and its sound still bring him
    met = store.meeting(_changed("Jiang Jianhua").entity_keys(), reading_prefix=READING_PREFIX)
    assert met == {"C3": [0]}
    # the characters meet C2 by their reading; Robert Jiang by the surname and its sound
    assert store.meeting(_changed("蒋建国").entity_keys(), reading_prefix=READING_PREFIX) == {
        "C2": [0],
        "C3": [0],
    }


def test_a_common_surname_and_its_sound_do_not_bring_its_bearers(tmp_path: Path) -> None:
    store = CustomerKeyStore(tmp_path)
    given = ["Mary", "Peter", "Anna", "Paul", "Lucy", "Mark", "Rosa", "Ivan", "Omar", "Hugo"]
    book = [(f"W{i}", f"{g} Jackson") for i, g in enumerate(given * 6)]
    store.write(_keyed(*book, ("C1", "王建国")))
    # 60 of 61 customers are called Jackson: the name and its sound prove nothing on their own
    changed = _changed("Carlos Jackson", "WANG Jianguo")
    assert list(store.meeting(changed.entity_keys(), reading_prefix=READING_PREFIX)) == ["C1"]
    assert (
        len(store.meeting(changed.entity_keys(), reading_prefix=READING_PREFIX, min_common=100))
        == 61
    )


def test_a_changed_customer_loses_its_old_keys(tmp_path: Path) -> None:
    store = CustomerKeyStore(tmp_path)
    store.write(_keyed(("C1", "欧阳锋")))
    store.write(_keyed(("C1", "Li Na")))
    assert store.meeting(_changed("Ouyang Feng").entity_keys(), reading_prefix=READING_PREFIX) == {}
    assert list(store.meeting(_changed("李娜").entity_keys(), reading_prefix=READING_PREFIX)) == [
        "C1"
    ]


def test_segments_fold_into_one_and_keep_the_newest_keys(tmp_path: Path) -> None:
    store = CustomerKeyStore(tmp_path)
    for i in range(5):
        store.write(_keyed(("C1", "欧阳锋" if i % 2 else "李娜"), (f"N{i}", "张伟")))
    assert len(store.segments()) == 5
    store.compact()
    assert len(store.segments()) == 1
    assert store.keyed_customers() == {"C1", "N0", "N1", "N2", "N3", "N4"}
    assert list(store.meeting(_changed("李娜").entity_keys(), reading_prefix=READING_PREFIX)) == [
        "C1"
    ]
    assert store.meeting(_changed("Ouyang Feng").entity_keys(), reading_prefix=READING_PREFIX) == {}
    assert screening_keys.COMPACT_AFTER > 1


def test_a_customer_without_keys_is_still_known(tmp_path: Path) -> None:
    store = CustomerKeyStore(tmp_path)
    store.write([("C9", set())])
    assert store.keyed_customers() == {"C9"}
