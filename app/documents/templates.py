"""The wording of printed forms, kept as data: one TOML file per form under
resources/templates/<family>/, whose strings name the case's fields in braces ({name}, {start}).
An office adjusts the wording by putting its own copy of a file in the data folder
(<data folder>/templates/<family>/<form>.toml), which wins over the bundled one.

A template is checked before anything is drawn: a field the program does not know, a key the
form needs that is missing, or a file TOML cannot read is refused with a Chinese message naming
the file (and the field), so a form is never printed with a blank where a word should be.

A file may end with tables (`[name]`) of the same kind of values: a form uses them for wording
chosen by the case (the phrase of each reason, the rules of one kind of case), see
`Template.table` and `Template.variant`."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.database import data_dir
from app.resources import resource_path


class TemplateError(Exception):
    """A template cannot be used; `message` says (in Chinese) which file and what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Template:
    """One form's wording: key → text (or list of texts), each with named fields."""

    form: str
    path: Path
    values: Mapping[str, str | tuple[str, ...]]
    fields: frozenset[str]           # every field named anywhere in the file
    # [name] tables at the end of the file: name → key → text (or list of texts).
    tables: Mapping[str, Mapping[str, str | tuple[str, ...]]] = field(default_factory=dict)

    def text(self, key: str, context: Mapping[str, str]) -> str:
        value = self.values[key]
        if not isinstance(value, str):
            raise TemplateError(f"模板“{self.path}”中的“{key}”应为一段文字。")
        return value.format_map(context)

    def texts(self, key: str, context: Mapping[str, str]) -> list[str]:
        value = self.values[key]
        items = (value,) if isinstance(value, str) else value
        return [item.format_map(context) for item in items]

    def has(self, key: str) -> bool:
        return key in self.values

    def table(self, name: str) -> Mapping[str, str | tuple[str, ...]]:
        """The [name] table of the file (empty when there is none)."""
        return self.tables.get(name, {})

    def variant(self, name: str) -> Template:
        """This template with the keys of its [name] table in place of the top-level ones
        (itself when it has no such table)."""
        if name not in self.tables:
            return self
        return replace(self, values={**self.values, **self.tables[name]})


_FORMATTER = string.Formatter()


def _fields_of(text: str, path: Path, key: str) -> set[str]:
    """The field names a text uses; anything but a plain {name} is refused."""
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as exc:
        raise TemplateError(
            f"模板“{path}”中“{key}”一项的花括号不成对：{exc}。字段写作 {{name}}；"
            "要印出花括号本身，请写 {{{{ 或 }}}}。") from exc
    names = set()
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name or not name.isidentifier() or spec or conversion:
            raise TemplateError(
                f"模板“{path}”中“{key}”一项的字段“{{{name}{':' + spec if spec else ''}}}”"
                "写法不对：字段只能写作 {字段名}，例如 {name}。")
        names.add(name)
    return names


def parse_template(form: str, path: Path, known: Iterable[str], required: Iterable[str]
                   ) -> Template:
    """Read and check one template file (see the module's docstring)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TemplateError(f"找不到表单模板“{path}”。请重新安装本程序，"
                            "或把该文件从安装目录的 resources 文件夹复制回来。") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"无法读取表单模板“{path}”：{exc}。"
                            "请确认文件为 UTF-8 编码的文本文件。") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"表单模板“{path}”格式有误：{exc}。"
                            "请对照程序自带的模板修改。") from exc
    known = set(known)
    used: set[str] = set()

    def entries(table: Mapping[str, Any], where: str) -> dict[str, str | tuple[str, ...]]:
        values: dict[str, str | tuple[str, ...]] = {}
        for key, value in table.items():
            label = f"{where}{key}"
            if isinstance(value, str):
                items: tuple[str, ...] = (value,)
                values[key] = value
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                items = tuple(value)
                values[key] = items
            else:
                raise TemplateError(
                    f"模板“{path}”中“{label}”一项应为文字或文字列表（用引号括起）。")
            for item in items:
                for name in _fields_of(item, path, label):
                    if name not in known:
                        raise TemplateError(
                            f"模板“{path}”中“{label}”一项用了未知字段“{{{name}}}”，"
                            "程序无法填写，没有打印。请改正字段名或删去它；可用的字段有："
                            + "、".join(f"{{{k}}}" for k in sorted(known)) + "。")
                    used.add(name)
        return values

    values = entries({k: v for k, v in raw.items() if not isinstance(v, dict)}, "")
    tables = {name: entries(table, f"[{name}] ") for name, table in raw.items()
              if isinstance(table, dict)}
    missing = [k for k in required if k not in values]
    if missing:
        raise TemplateError(f"模板“{path}”缺少“{'”“'.join(missing)}”一项，没有打印。"
                            "请对照程序自带的模板补上。")
    return Template(form, path, values, frozenset(used), tables)


def template_path(family: str, form: str) -> Path:
    """The office's own copy in the data folder when there is one, else the bundled file."""
    office = data_dir() / "templates" / family / f"{form}.toml"
    if office.is_file():
        return office
    return resource_path(f"templates/{family}/{form}.toml")


@lru_cache(maxsize=64)
def _cached(form: str, path: str, mtime_ns: int, size: int, known: frozenset[str],
            required: tuple[str, ...]) -> Template:
    return parse_template(form, Path(path), known, required)


def load_template(family: str, form: str, known: Iterable[str], required: Iterable[str] = ()
                  ) -> Template:
    """The checked template of a form (re-read when the file changes)."""
    path = template_path(family, form)
    try:
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = (0, 0)
    return _cached(form, str(path), *key, frozenset(known), tuple(required))


def missing_fields(template: Template, context: Mapping[str, Any]) -> list[str]:
    """Fields the template uses that the context has no value for (None or blank)."""
    return sorted(name for name in template.fields
                  if context.get(name) is None or str(context.get(name)).strip() == "")
