"""Tests for app.registry.search_keys: finding residents by name, pinyin, initials and
surname readings."""

from __future__ import annotations

import sqlite3

import pytest

from app.registry.search_keys import name_search_key, normalize_query, query_matches


@pytest.mark.parametrize("query", ["zs", "zhangsan", "张", "张三", "三", "zhangs", "zhang", "san"])
def test_zhang_san_is_found_by_name_pinyin_and_initials(query: str) -> None:
    assert query_matches("张三", query)


@pytest.mark.parametrize("query", ["ls", "lisi", "李", "zsan1", "sz", "zhangsi"])
def test_zhang_san_is_not_found_by_unrelated_queries(query: str) -> None:
    assert not query_matches("张三", query)


@pytest.mark.parametrize("query", ["shan", "shantianfang", "stf", "dtf", "dantianfang", "单田芳"])
def test_surname_dan_is_found_by_surname_and_everyday_readings(query: str) -> None:
    assert query_matches("单田芳", query)


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("曾国藩", "zeng"),
        ("曾国藩", "zgf"),
        ("解缙", "xie"),
        ("仇英", "qiu"),
        ("区志华", "ou"),
        ("查良镛", "zha"),
        ("查良镛", "zly"),
        ("朴槿惠", "piao"),
        ("覃海洋", "qin"),
        ("翟志刚", "zhai"),
        ("翟志刚", "zzg"),
        ("盖丽丽", "ge"),
        ("缪海英", "miao"),
        ("乐嘉", "yuejia"),
        ("长孙无忌", "zhangsun"),
        ("尉迟恭", "yuchi"),
        ("尉迟恭", "ycg"),
        ("万俟卨", "moqi"),
    ],
)
def test_surnames_are_found_by_their_surname_reading(name: str, query: str) -> None:
    assert query_matches(name, query)


def test_surname_reading_does_not_leak_into_the_given_name() -> None:
    # 单 is read shan only as a surname; in the given name it keeps its everyday reading.
    assert query_matches("王单", "wangdan")
    assert not query_matches("王单", "wangshan")


@pytest.mark.parametrize("query", ["oynn", "ouyang", "ouyangnana", "欧阳", "nana"])
def test_compound_surname_ouyang_keeps_both_first_letters(query: str) -> None:
    # pypinyin's INITIALS style drops 欧 (no initial consonant) and would give "ynn".
    assert query_matches("欧阳娜娜", query)


@pytest.mark.parametrize("name", ["王𠮷", "𠮷祥", "李㛃", "㛃", "𠮷"])
def test_rare_characters_do_not_crash_and_are_found_by_themselves(name: str) -> None:
    key = name_search_key(name)
    assert key == key.lower()
    for char in name:
        assert query_matches(name, char)
    assert query_matches(name, name)


def test_rare_characters_keep_pinyin_of_the_known_ones() -> None:
    assert query_matches("王𠮷", "wang")
    assert query_matches("李㛃", "lijie")


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("John Smith", "john smith"),
        ("John Smith", "JohnSmith"),
        ("John Smith", "smith"),
        ("John Smith", "js"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽·买买提", "古丽买买提"),
        ("阿依古丽·买买提", "maimaiti"),
        ("阿依古丽·买买提", "ayglmmt"),
    ],
)
def test_latin_and_minority_names_are_found(name: str, query: str) -> None:
    assert query_matches(name, query)


@pytest.mark.parametrize(
    "query", ["  zs ", "ZS", "Zhang San", "ｚｓ", "ＺＨＡＮＧ　ＳＡＮ", "张 三"]
)
def test_queries_with_spaces_case_and_full_width_letters_work(query: str) -> None:
    assert query_matches("张三", query)


def test_normalize_query() -> None:
    assert normalize_query("  Zhang San  ") == "zhangsan"
    assert normalize_query("ＡＢＣ１２３") == "abc123"
    assert normalize_query("张\u3000三") == "张三"
    assert normalize_query("%") == ""
    assert normalize_query("z%s_") == "zs"


def test_like_wildcards_in_a_query_are_not_wildcards() -> None:
    # As LIKE patterns "z%n" and "zh_ng" would match "zhangsan"; stripped they are "zn"/"zhng".
    assert not query_matches("张三", "z%n")
    assert not query_matches("张三", "zh_ng")
    assert not query_matches("张三", "l%")
    assert normalize_query("%") == normalize_query("") == normalize_query("_%_")


def test_key_is_compact_lowercase_and_without_duplicates() -> None:
    assert name_search_key("张三") == "张三 zhangsan zs"
    for name in ["单田芳", "欧阳娜娜", "John Smith", "尉迟恭", "阿依古丽·买买提"]:
        key = name_search_key(name)
        tokens = key.split(" ")
        assert key == key.lower()
        assert len(tokens) == len(set(tokens))
        # A token inside another is redundant for a substring search and is dropped.
        assert not any(a != b and a in b for a in tokens for b in tokens)
        assert len(key) < 100


@pytest.mark.parametrize("name", ["", "   ", "·", "ＡＢＣ", "张三1号", "O'Neil"])
def test_odd_names_do_not_crash(name: str) -> None:
    key = name_search_key(name)
    assert key == key.lower()
    assert "%" not in key and "_" not in key


def test_sql_like_over_the_key_agrees_with_query_matches() -> None:
    names = ["张三", "李四", "单田芳", "欧阳娜娜", "曾国藩", "王𠮷", "John Smith"]
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE resident (name TEXT, search_key TEXT)")
    conn.executemany("INSERT INTO resident VALUES (?, ?)", [(n, name_search_key(n)) for n in names])
    for query in ["zs", "shan", "dtf", "oynn", "zeng", "𠮷", "js", "Ｓ", "z%n", "ls", "li si"]:
        found = {
            row[0]
            for row in conn.execute(
                "SELECT name FROM resident WHERE search_key LIKE '%' || ? || '%'",
                (normalize_query(query),),
            )
        }
        assert found == {n for n in names if query_matches(n, query)}, query
