"""School profiles: one YAML file per school under `schools/`.

A profile is validated in full before anything is written. Errors name the
file, the line and the field and say in plain words what is wrong, e.g.

    schools/x.yml, line 14, hours.monday: "8u30-12u" is not a time range like 08:30-12:05
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Optional

import yaml
from pydantic import BaseModel, Extra, Field, ValidationError, validator

from bot.languages import BY_CODE

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
RANGE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
HOLIDAY_KINDS = ("autumn", "christmas", "carnival", "easter", "summer")
PLATFORMS_HINT = "Smartschool, Gimme, Parro, Bingli, Questi, ..."


class ProfileError(ValueError):
    """A profile that cannot be used. `problems` lists every problem found."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__("\n".join(problems))


def _time(value: str) -> str:
    if not isinstance(value, str) or not TIME.match(value):
        raise ValueError(f'"{value}" is not a time like 08:15 (24-hour clock, two digits)')
    return value


class Strict(BaseModel):
    class Config:
        extra = Extra.forbid


class Hours(Strict):
    gate_opens: str
    monday: list[str] = []
    tuesday: list[str] = []
    wednesday: list[str] = []
    thursday: list[str] = []
    friday: list[str] = []

    _gate = validator("gate_opens", allow_reuse=True)(_time)

    @validator(*WEEKDAYS, each_item=True)
    def _range(cls, value: str) -> str:
        if not isinstance(value, str) or not RANGE.match(value):
            raise ValueError(f'"{value}" is not a time range like 08:30-12:05')
        start, end = value.split("-")
        if start >= end:
            raise ValueError(f'"{value}" ends before it starts')
        return value


class Holiday(Strict):
    kind: str
    from_: date = Field(alias="from")
    to: date
    name: Optional[str] = None

    @validator("kind")
    def _kind(cls, value: str) -> str:
        if value not in HOLIDAY_KINDS:
            raise ValueError(f'"{value}" is not one of: {", ".join(HOLIDAY_KINDS)}')
        return value

    @validator("to")
    def _order(cls, value: date, values: dict) -> date:
        start = values.get("from_")
        if start and value < start:
            raise ValueError("the holiday ends before it starts")
        return value


class FreeDay(Strict):
    kind: str
    date: date
    name: Optional[str] = None

    @validator("kind")
    def _kind(cls, value: str) -> str:
        if value not in ("study_day", "free_day"):
            raise ValueError(f'"{value}" is not study_day or free_day')
        return value


class Contact(Strict):
    name: str
    role: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None
    hours: Optional[str] = None
    languages: list[str] = []

    @validator("email")
    def _email(cls, value: Optional[str]) -> Optional[str]:
        if value and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value):
            raise ValueError(f'"{value}" is not an e-mail address')
        return value


class Contacts(Strict):
    secretariat: Contact
    direction: Optional[Contact] = None
    care_coordinator: Optional[Contact] = None
    brugfiguur: Optional[Contact] = None
    clb: Optional[Contact] = None


class Priced(Strict):
    available: bool = True
    price_eur: Optional[float] = None


class Meals(Strict):
    hot_meal: Optional[Priced] = None
    soup: Optional[Priced] = None
    lunchbox: bool = True
    vegetarian: bool = False
    halal: bool = False
    no_pork: bool = False
    allergies: Optional[str] = None
    water_free: bool = False
    fruit_day: Optional[str] = None


class CareSlot(Strict):
    from_: Optional[str] = Field(None, alias="from")
    until: Optional[str] = None
    price_eur_per_half_hour: Optional[float] = None
    where: Optional[str] = None


class Childcare(Strict):
    morning: Optional[CareSlot] = None
    evening: Optional[CareSlot] = None
    wednesday_afternoon: Optional[CareSlot] = None


class Costs(Strict):
    max_bill_school_year: Optional[str] = None
    max_bill_kleuter_eur: Optional[float] = None
    max_bill_lager_eur: Optional[float] = None
    max_bill_multiday_eur: Optional[float] = None
    payment_plan: bool = True
    bill_months: list[str] = []


class SchoolClass(Strict):
    id: str
    name: str
    teacher: Optional[str] = None

    @validator("id")
    def _id(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z0-9]{1,12}$", value):
            raise ValueError(f'"{value}" must be 1-12 letters or digits (it goes into invite links)')
        return value


class SchoolProfile(Strict):
    id: str
    name: str
    address: str
    city: str
    languages: list[str] = ["nl"]
    levels: list[str] = []
    platform: Optional[str] = None
    school_year: str
    retention_days: int = 180
    hours: Hours
    holidays: list[Holiday] = []
    free_days: list[FreeDay] = []
    contacts: Contacts
    meals: Optional[Meals] = None
    childcare: Optional[Childcare] = None
    costs: Optional[Costs] = None
    classes: list[SchoolClass]

    @validator("id")
    def _slug(cls, value: str) -> str:
        if not re.match(r"^[a-z0-9][a-z0-9-]{1,40}$", value):
            raise ValueError(f'"{value}" must be lower-case letters, digits and dashes (e.g. de-regenboog)')
        return value

    @validator("languages", each_item=True)
    def _lang(cls, value: str) -> str:
        if value not in BY_CODE:
            raise ValueError(f'"{value}" is not a supported language code')
        return value

    @validator("school_year")
    def _year(cls, value: str) -> str:
        m = re.match(r"^(\d{4})-(\d{4})$", str(value))
        if not m or int(m.group(2)) != int(m.group(1)) + 1:
            raise ValueError(f'"{value}" is not a school year like 2026-2027')
        return value

    @validator("retention_days")
    def _retention(cls, value: int) -> int:
        if not 1 <= value <= 3650:
            raise ValueError("must be between 1 and 3650 days")
        return value

    @validator("classes")
    def _unique_classes(cls, value: list[SchoolClass]) -> list[SchoolClass]:
        seen: set[str] = set()
        for item in value:
            if item.id in seen:
                raise ValueError(f'class id "{item.id}" appears twice')
            seen.add(item.id)
        if not value:
            raise ValueError("a school needs at least one class")
        return value

    def to_json_dict(self) -> dict[str, Any]:
        return yaml.safe_load(self.json(by_alias=True))


def _line_of(node: yaml.Node | None, loc: tuple) -> int:
    """Follow a pydantic error location through the YAML node tree to a line number."""
    line = node.start_mark.line + 1 if node is not None else 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            wanted = "from" if key == "from_" else key
            for k, v in node.value:
                if k.value == wanted:
                    line, node = k.start_mark.line + 1, v
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _field_name(loc: tuple) -> str:
    out = ""
    for key in loc:
        if key == "__root__":
            continue
        key = "from" if key == "from_" else key
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "(top level)"


def _plain(msg: str, kind: str) -> str:
    if kind == "value_error.missing":
        return "this field is required but missing"
    if kind == "value_error.extra":
        return "this field is not known (check the spelling)"
    if kind.startswith("type_error.date") or kind == "value_error.date":
        return "this is not a date like 2026-09-01"
    return msg


def parse_profile(text: str, path: str = "<profile>") -> SchoolProfile:
    """Parse and validate a profile; raise ProfileError with every problem found."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise ProfileError(path, [f"{path}, line {line}: the YAML cannot be read ({problem})"]) from None
    if not isinstance(data, dict):
        raise ProfileError(path, [f"{path}, line 1: a profile must be a mapping of fields (name: ..., hours: ...)"])
    try:
        return SchoolProfile.parse_obj(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            problems.append(
                f"{path}, line {_line_of(node, loc)}, {_field_name(loc)}: {_plain(err['msg'], err['type'])}"
            )
        raise ProfileError(path, problems) from None


def load_profile(path: Path | str) -> SchoolProfile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(str(path), [f"{path}: cannot be read ({exc})"]) from None
    return parse_profile(text, str(path))
