"""Opening and creating a community's database, with messages a secretary can act on."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import platformdirs
import sqlite_utils

from app import accounts
from app.errors import FormError
from app.registry.search_keys import name_primary_key, name_search_key
from app.sync import district_row
from db import connection, migrate
from db import registry as db_registry
from db.ids import uuid7
from db.node import get_meta, set_meta, transaction

APP_NAME = "GridDesk"


class OpenError(Exception):
    """A database could not be opened; `message` is the Chinese text to show."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


def data_dir() -> Path:
    """Where this office's data lives (GRIDDESK_DATA_DIR overrides, e.g. for tests)."""
    override = os.environ.get("GRIDDESK_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))


def default_db_path() -> Path:
    return data_dir() / "griddesk.sqlite"


def resident_search_key(name: str | None, id_number: str | None, phone: str | None) -> str:
    parts = [name_search_key(name) if name else "", (id_number or "").lower(), phone or ""]
    return " ".join(p for p in parts if p)


_MESSAGES = {
    "missing": "找不到数据库文件：{path}。请确认文件位置，或新建社区。",
    "read_only": "数据库文件是只读的，无法保存修改：{path}。请把它复制到可写的文件夹（例如“文档”）"
                 "后再打开，或请管理员开放写权限。",
    "not_a_database": "这个文件不是社区网格通的数据库，或已经损坏：{path}。请从备份恢复；"
                      "原文件没有被改动。",
    "newer_schema": "这个数据库由更新版本的社区网格通创建，当前版本无法打开：{path}。"
                    "请升级本程序后再打开；文件没有被改动。",
}


def open_community_db(path: str | os.PathLike[str], *, create: bool = False
                      ) -> sqlite_utils.Database:
    """Open a GridDesk database, translating refusals into Chinese messages."""
    try:
        db = connection.open_database(path, create=create, search_key=resident_search_key,
                           reading=name_primary_key)
    except connection.DatabaseOpenError as exc:
        raise OpenError(_MESSAGES[exc.reason].format(path=exc.path), exc.reason) from exc
    try:   # a community enrolled before the district's row was shared takes it, once
        district_row.share_at_open(db)
    except sqlite3.OperationalError as exc:   # the file busy: the next opening does it
        logging.getLogger(__name__).warning("district row not shared yet: %s", exc)
    try:
        accounts.on_open(db, path)
    except accounts.SignInError as exc:
        db.conn.close()
        raise OpenError(exc.message, "sign_in") from exc
    return db


# The schema version each earlier release left its databases at (tests/data/schema-N.sqlite
# holds one made by each): a message can then name the release a file came from.
RELEASE_SCHEMAS = {"0.1.0": 12}
LATEST_SCHEMA = migrate.LATEST   # the newest schema this program writes (and can open)


def app_version() -> str:
    try:
        return metadata.version("griddesk")
    except metadata.PackageNotFoundError:   # run from a source tree never installed
        return "未知"


def upgrade_notice(db: sqlite_utils.Database) -> str | None:
    """The message shown once when opening upgraded a database made by an earlier release:
    the versions, and where the copy made before the upgrade is. None: nothing was upgraded."""
    done = migrate.upgrade_of(db)
    if done is None:
        return None
    made_by = next((f"社区网格通 {release}" for release, schema in RELEASE_SCHEMAS.items()
                    if schema == done.from_version), "较早版本的社区网格通")
    kept = (f"升级前的数据库已完整备份为：{done.backup}\n（确认一切正常后可以删除这个备份）。"
            if done.backup else "")
    return (f"这个数据库由{made_by}创建（数据结构第 {done.from_version} 版），已升级到"
            f"第 {done.to_version} 版，供社区网格通 {app_version()} 使用。\n{kept}"
            "升级后，较早版本的社区网格通将不能再打开这个数据库。")


def file_schema_version(path: str | os.PathLike[str]) -> int | None:
    """A database file's schema version, read without opening it for writing (None when it
    cannot be read)."""
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        try:
            return conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


@dataclass(frozen=True)
class Community:
    id: str
    name: str
    code: str
    street: str
    district: str


CODE_RE = re.compile(r"^\d{12}$")


def validate_community(name: str, code: str, street: str, district: str) -> dict[str, str]:
    """Field → message for everything wrong with a new community's particulars."""
    errors = {}
    if not name.strip():
        errors["name"] = "请填写社区名称，例如“长江路社区”。"
    if not CODE_RE.match(code.strip()):
        errors["code"] = ("社区代码应为12位数字（区县6位+街道3位+社区3位），"
                          "例如 410102001001。可向街道办索取。")
    if not street.strip():
        errors["street"] = "请填写所属街道，例如“林山寨街道”。"
    if not district.strip():
        errors["district"] = "请填写所属区县，例如“中原区”。"
    return errors


def create_community(db: sqlite_utils.Database, name: str, code: str, street: str,
                     district: str) -> Community:
    """Write the org units district › street › community and make this node that community's."""
    errors = validate_community(name, code, street, district)
    if errors:
        raise FormError(errors)
    if get_meta(db, "community_id"):
        raise ValueError("this database already belongs to a community")
    code = code.strip()
    with transaction(db):
        community = uuid7()
        set_meta(db, "community_id", community)
        district_id = db_registry.insert(db, "org_units", {
            "level": "district", "code": code[:6], "name": district.strip()}, owner=community)
        street_id = db_registry.insert(db, "org_units", {
            "level": "street", "code": code[:9], "name": street.strip(),
            "parent_id": district_id}, owner=community)
        db_registry.insert(db, "org_units", {
            "level": "community", "code": code, "name": name.strip(),
            "parent_id": street_id}, row_id=community, owner=community)
    return community_info(db)  # type: ignore[return-value]


def community_info(db: sqlite_utils.Database) -> Community | None:
    cid = get_meta(db, "community_id")
    if not cid:
        return None
    row = db_registry.get(db, "org_units", cid)
    street = db_registry.get(db, "org_units", row["parent_id"]) if row["parent_id"] else None
    district = (db_registry.get(db, "org_units", street["parent_id"])
                if street and street["parent_id"] else None)
    return Community(id=cid, name=row["name"], code=row["code"],
                     street=street["name"] if street else "",
                     district=district["name"] if district else "")


def database_file(db: sqlite_utils.Database) -> str:
    """The file a connection is open on (a worker thread opens its own connection to it)."""
    return db.conn.execute("PRAGMA database_list").fetchone()[2]
