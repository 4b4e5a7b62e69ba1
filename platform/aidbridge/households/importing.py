"""Bulk import of households and their members from CSV or XLSX (issue 4).

The layout (:data:`COLUMNS`, shown on the import page and in the README) is one row
per member; rows with the same household reference are one household, whose own
columns need filling only once (a later row may repeat them, but not differ).
Headers are our codes or the Chinese headers; enum values are our codes or the
Chinese words listed here. Those words are part of the file format, a stable and
documented spec, so they live here as data rather than in the translation catalogue.

An import is stored (:class:`HouseholdImport`, the file encrypted) and run as a job
(:func:`run`): the file is read, every row is checked with the registration's own
schema and rules — a community of the bureau's jurisdiction, one head, valid ID
numbers, nobody registered twice, in the file or in the jurisdiction — and the
report lists each rejected row with its line and reasons by column. A household
with a rejected row is rejected whole. Then, as the mode says, nothing is written
(a check), the accepted households are, or nothing if any row was rejected; their
records are built (numbers sealed) only then, and written in one flush. The checks
are set-based: one query for the areas, one per 10,000 ID numbers for the people
already registered (compared by digest).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cached_property

from flask import current_app
from marshmallow import ValidationError
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from aidbridge import personal_data
from aidbridge.accounts.models import Tenant, User
from aidbridge.areas.models import Area
from aidbridge.audit import service as audit
from aidbridge.clock import utcnow
from aidbridge.errors import Conflict, InvalidInput
from aidbridge.extensions import db
from aidbridge.households import service
from aidbridge.households.models import Household, HouseholdImport, ImportMode, ImportStatus
from aidbridge.households.schemas import RegistrationSchema
from aidbridge.i18n import N_
from aidbridge.jobs import claim, enqueue
from aidbridge.resident_id import check_character
from aidbridge.schemas import CONTROL_CHARACTERS, flatten_messages
from aidbridge.vocab import (
    DisabilityType,
    EmploymentStatus,
    LabourCapacity,
    Relation,
    SchoolStage,
    SelfCare,
    Setting,
    Supporter,
)

JOB = "households.import"
MISSING = N_("Missing data for required field.")
OTHER_ROW_REJECTED = N_("another row of this household was rejected")
FAILED = N_("the import stopped on an unexpected error; nothing was written")
RACE = N_("someone registered one of these people meanwhile; nothing was written")
STALLED = N_("the import stopped before it finished (its worker ended); nothing was written")


class Kind(StrEnum):
    """How a column's cells are read."""

    key = "key"  # the household reference
    text = "text"
    id_number = "id_number"
    phone = "phone"
    date = "date"
    choice = "choice"  # a code or one of its Chinese words
    flag = "flag"
    grade = "grade"


@dataclass(frozen=True)
class Column:
    code: str
    header: str  # the Chinese header
    description: str  # for the layout's documentation (a catalogue message)
    kind: Kind = Kind.text
    household: bool = False  # the household's own (filled once) or each member's
    required: bool = False  # the file must have the column
    # choice: each code with its Chinese words, the first being the usual one.
    words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @cached_property
    def choices(self) -> dict[str, str]:
        """Every accepted spelling (codes in lower case) → the code."""
        accepted = {code.lower(): code for code in self.words}
        accepted.update({word: code for code, words in self.words.items() for word in words})
        return accepted


def _disabilities() -> dict[str, tuple[str, ...]]:
    short = {
        DisabilityType.physical: "肢体",
        DisabilityType.visual: "视力",
        DisabilityType.hearing: "听力",
        DisabilityType.speech: "言语",
        DisabilityType.intellectual: "智力",
        DisabilityType.mental: "精神",
        DisabilityType.multiple: "多重",
    }
    return {code: (word, f"{word}残疾") for code, word in short.items()}


# The file format. Codes are the API's field names and values (GLOSSARY.md); the
# Chinese words are those of the glossary and of common registers.
COLUMNS: tuple[Column, ...] = (
    Column(
        "household_ref",
        "户编号",
        N_("the file's own key of the household: its members' rows share it"),
        Kind.key,
        household=True,
        required=True,
    ),
    Column(
        "area_code",
        "社区代码",
        N_("12-digit code of the household's community, in your jurisdiction"),
        household=True,
        required=True,
    ),
    Column("address", "详细地址", N_("street address"), household=True, required=True),
    Column(
        "setting",
        "城乡类别",
        N_("urban or rural"),
        Kind.choice,
        household=True,
        required=True,
        words={Setting.urban: ("城市", "城镇"), Setting.rural: ("农村",)},
    ),
    Column(
        "phone",
        "联系电话",
        N_("a mobile number of 11 digits or a landline such as 0513-85123456"),
        Kind.phone,
        household=True,
    ),
    Column(
        "checks_authorised_on",
        "授权核查日期",
        N_("the date the household authorised the economic checks (ALL-PR-2)"),
        Kind.date,
        household=True,
    ),
    Column(
        "registered_on",
        "登记日期",
        N_("the registration date; empty: the day of the import"),
        Kind.date,
        household=True,
    ),
    Column("name", "姓名", N_("the member's name"), required=True),
    Column(
        "id_number",
        "身份证号码",
        N_("18 characters, entered as text (a number cell loses digits)"),
        Kind.id_number,
        required=True,
    ),
    Column(
        "relation",
        "与户主关系",
        N_("relation to the head of the household: exactly one head per household"),
        Kind.choice,
        required=True,
        words={
            Relation.head: ("户主", "本人"),
            Relation.spouse: ("配偶", "妻子", "丈夫"),
            Relation.child: ("子女", "儿子", "女儿"),
            Relation.parent: ("父母", "父亲", "母亲"),
            Relation.grandchild: ("孙子女", "外孙子女", "孙子", "孙女", "外孙", "外孙女"),
            Relation.grandparent: ("祖父母", "外祖父母", "祖父", "祖母", "外祖父", "外祖母"),
            Relation.sibling: ("兄弟姐妹", "兄弟", "姐妹"),
            Relation.other: ("其他亲属", "其他"),
        },
    ),
    Column(
        "labour_capacity",
        "劳动能力",
        N_("labour capacity"),
        Kind.choice,
        required=True,
        words={
            LabourCapacity.full: ("有劳动能力",),
            LabourCapacity.partial: ("部分丧失劳动能力", "部分丧失"),
            LabourCapacity.none: ("完全丧失劳动能力", "丧失劳动能力", "无劳动能力"),
        },
    ),
    Column(
        "employment",
        "就业状况",
        N_("employment status"),
        Kind.choice,
        required=True,
        words={
            EmploymentStatus.employed: ("就业", "在业"),
            EmploymentStatus.flexible: ("灵活就业",),
            EmploymentStatus.unemployed: ("失业", "无业"),
            EmploymentStatus.not_in_labour_force: ("非劳动力",),
        },
    ),
    Column(
        "school_stage",
        "在学阶段",
        N_("school stage of a member in education; empty: not in education"),
        Kind.choice,
        words={
            SchoolStage.preschool: ("学前", "幼儿园"),
            SchoolStage.primary: ("小学",),
            SchoolStage.junior_secondary: ("初中",),
            SchoolStage.senior_secondary: ("高中",),
            SchoolStage.vocational: ("中职",),
            SchoolStage.higher: ("高等教育", "大学"),
        },
    ),
    Column(
        "disability_type",
        "残疾类别",
        N_("type of disability, with its grade; empty: none"),
        Kind.choice,
        words=_disabilities(),
    ),
    Column(
        "disability_grade",
        "残疾等级",
        N_("grade of disability, 1 (most severe) to 4, with its type"),
        Kind.grade,
    ),
    Column(
        "major_illness",
        "重大疾病",
        N_("a major illness: 是/否 (yes/no); empty: no"),
        Kind.flag,
    ),
    Column(
        "self_care",
        "自理能力",
        N_("self-care level; empty: self-care"),
        Kind.choice,
        words={
            SelfCare.self_care: ("全自理", "自理"),
            SelfCare.half_care: ("半护理",),
            SelfCare.full_care: ("全护理",),
        },
    ),
    Column(
        "supporter",
        "法定义务人",
        N_("whether a legal supporter exists and can support; empty: able"),
        Kind.choice,
        words={
            Supporter.able: ("有能力", "有"),
            Supporter.unable: ("无能力",),
            Supporter.none: ("无法定义务人", "无"),
        },
    ),
)
BY_CODE = {column.code: column for column in COLUMNS}
HOUSEHOLD_COLUMNS = tuple(c.code for c in COLUMNS if c.household and c.kind is not Kind.key)
MEMBER_COLUMNS = tuple(c.code for c in COLUMNS if not c.household)
FLAGS = {
    **dict.fromkeys(("是", "有", "true", "yes", "y", "1"), True),
    **dict.fromkeys(("否", "无", "false", "no", "n", "0"), False),
}
GRADES = {"一级": 1, "二级": 2, "三级": 3, "四级": 4}
DATE = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)
COMPACT_DATE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
XLSX_MAGIC, XLS_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- reading ----------------------------------------------------------------------------------


@dataclass
class Row:
    line: int  # as the user sees the file: the header is line 1
    cells: dict[str, object]  # column code → the cell as read (text; XLSX: also numbers, dates)
    extra: bool = False  # cells beyond the header's columns are filled


@dataclass
class Table:
    headers: dict[str, str]  # column code → its header as the file writes it
    rows: list[Row]


def read(raw: bytes, max_rows: int) -> Table:
    """The file's rows by column; a file that cannot be taken at all is refused whole,
    each problem named by its column (or ``file``)."""
    if not raw:
        raise InvalidInput.field("file", N_("the file is empty"))
    if raw.startswith(XLS_MAGIC):
        raise InvalidInput.field(
            "file", N_("an old Excel workbook (.xls): save it as .xlsx or as CSV")
        )
    lines = _xlsx_lines(raw) if raw.startswith(XLSX_MAGIC) else _csv_lines(raw)
    header: list[str] | None = None
    rows: list[Row] = []
    for line, cells in lines:
        if all(_blank(c) for c in cells):
            continue
        if header is None:
            header = [_text(c) for c in cells]
            codes = _columns(header)
            continue
        if len(rows) == max_rows:
            raise InvalidInput.field("file", f"more than {max_rows} rows: split the file")
        rows.append(
            Row(
                line,
                {code: cells[i] for i, code in codes.items() if i < len(cells)},
                extra=any(not _blank(c) for c in cells[len(header) :]),
            )
        )
    if header is None:
        raise InvalidInput.field("file", N_("the file is empty"))
    return Table({code: header[i] for i, code in codes.items()}, rows)


def _csv_lines(raw: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(raw)
    first = text.split("\n", 1)[0]
    # Excel's "Unicode text" is tab-separated.
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1  # a quoted cell may span lines
    except csv.Error as exc:
        raise InvalidInput.field("file", N_("not a readable CSV file")) from exc


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or else GB18030 — what Excel in
    China writes as "CSV"."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise InvalidInput.field("file", N_("the text is neither UTF-8 nor GB18030")) from None


def _xlsx_lines(raw: bytes) -> Iterator[tuple[int, list[object]]]:
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidInput.field("file", N_("not a readable XLSX workbook")) from exc
    try:
        sheet = workbook.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, list(cells)
    finally:
        workbook.close()


def _columns(header: list[str]) -> dict[int, str]:
    """Column position → code. Unknown, repeated and missing columns refuse the file."""
    by_name = {c.code: c.code for c in COLUMNS} | {c.header: c.code for c in COLUMNS}
    codes: dict[int, str] = {}
    errors: dict[str, list[str]] = {}
    for index, name in enumerate(header):
        if not name:
            continue  # an unnamed column (Excel's trailing ones) is passed over
        # Codes in any case; a template's "*" marking a required column is passed over.
        code = by_name.get(name.strip("*").strip().lower())
        if code is None:
            errors[name] = [N_("unknown column")]
        elif code in codes.values():
            errors[name] = [N_("the column appears twice")]
        else:
            codes[index] = code
    for column in COLUMNS:
        if column.required and column.code not in codes.values():
            errors[column.code] = [N_("the file has no such column; it is required")]
    if errors:
        raise InvalidInput(N_("the file's columns do not match the layout"), errors)
    return codes


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# --- cells to the registration's input ---------------------------------------------------------


class _Refused(ValueError):
    """A cell that cannot be read as its column's kind; ``str()`` is the reason."""


def _value(column: Column, cell):
    """The cell as the registration schema takes the field (None: empty)."""
    if column.kind is Kind.id_number and isinstance(cell, int | float):
        raise _Refused(N_("enter the ID number as text: a number cell has lost its last digits"))
    if column.kind is Kind.date:
        return _date(cell)
    text = _text(cell)
    if not text:
        return None
    if column.kind in (Kind.id_number, Kind.phone):
        return "".join(text.split())
    if column.kind is Kind.choice:
        code = column.choices.get(text.lower())  # (Chinese has no case)
        if code is None:
            words = ", ".join(f"{code} ({'/'.join(w)})" for code, w in column.words.items())
            raise _Refused(f"Must be one of: {words}.")
        return str(code)
    if column.kind is Kind.flag:
        if text.lower() not in FLAGS:
            raise _Refused(N_("yes or no: 是 or 否"))
        return FLAGS[text.lower()]
    if column.kind is Kind.grade:
        return GRADES.get(text, text.removesuffix("级"))  # the schema checks the number
    return text


def _date(cell) -> str | None:
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if _blank(cell):
        return None
    match = DATE.match(_text(cell)) or COMPACT_DATE.match(_text(cell))
    try:
        if match and not isinstance(cell, int | float):
            return date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
    except ValueError:
        pass
    raise _Refused(N_("not a date: write it as 2026-01-05"))


# --- checking -----------------------------------------------------------------------------------


class _LineErrors(dict):
    """Line → {column: [reasons]}."""

    def add(self, line: int, column: str, reasons: list[str] | str) -> None:
        reasons = [reasons] if isinstance(reasons, str) else reasons
        self.setdefault(line, {}).setdefault(column, []).extend(reasons)

    def has(self, line: int, column: str | None = None) -> bool:
        found = self.get(line, {})
        return bool(found) if column is None else column in found


@dataclass
class _Household:
    ref: str
    rows: list[Row] = field(default_factory=list)
    # Household column → the line that gave its value (the first that filled it).
    given_on: dict[str, int] = field(default_factory=dict)
    payload: dict = field(default_factory=dict)
    data: dict | None = None  # loaded by the registration schema
    area: Area | None = None  # its community, once the household is accepted

    @property
    def lines(self) -> list[int]:
        return [row.line for row in self.rows]

    def line_of(self, column: str) -> int:
        return self.given_on.get(column, self.rows[0].line)


@dataclass
class Checked:
    """What the rows of a file became."""

    households: list[_Household]
    errors: _LineErrors
    rows: int
    refs: dict[int, str]  # line → its household reference

    @property
    def accepted(self) -> list[_Household]:
        return [h for h in self.households if h.area is not None]


def check(tenant: Tenant, table: Table) -> Checked:
    """Every row checked as registration checks it; a household whose row is rejected
    is rejected whole. Accepted households get their community."""
    errors = _LineErrors()
    households: dict[str, _Household] = {}
    refs: dict[int, str] = {}
    numbers: dict[str, list[int]] = {}
    for row in table.rows:
        values = _row_values(row, errors)
        if row.extra:
            errors.add(row.line, "_row", N_("more cells than the header has columns"))
        ref = values.pop("household_ref", None)
        if ref is None:
            if not errors.has(row.line, "household_ref"):
                errors.add(row.line, "household_ref", MISSING)
            continue
        refs[row.line] = ref
        household = households.setdefault(ref, _Household(ref))
        _take_household_values(household, row, values, errors)
        household.payload.setdefault("members", []).append(
            {name: values[name] for name in MEMBER_COLUMNS if name in values}
        )
        if "id_number" in values:
            numbers.setdefault(values["id_number"].upper(), []).append(row.line)
    _same_person_twice(numbers, errors)
    schema = RegistrationSchema()
    for household in households.values():
        try:
            household.data = schema.load({**household.payload, "items": []})
        except ValidationError as exc:
            _schema_errors(household, flatten_messages(exc.messages), errors)
    areas = _check_communities(tenant, list(households.values()), errors)
    valid = [h for h in households.values() if h.data and not any(map(errors.has, h.lines))]
    _check_registered(tenant, valid, errors)
    for household in households.values():
        if household.data and not any(map(errors.has, household.lines)):
            household.area = areas[household.data["area_code"]]
            continue
        for line in household.lines:
            if not errors.has(line):
                errors.add(line, "household_ref", OTHER_ROW_REJECTED)
    return Checked(list(households.values()), errors, len(table.rows), refs)


def _row_values(row: Row, errors: _LineErrors) -> dict:
    values = {}
    for code, cell in row.cells.items():
        try:
            value = _value(BY_CODE[code], cell)
        except _Refused as refused:
            errors.add(row.line, code, str(refused))
            continue
        if value is not None:
            values[code] = value
    return values


def _take_household_values(household: _Household, row: Row, values: dict, errors) -> None:
    """A household's value is the first row's that gives it; a later different one is
    refused on its line."""
    household.rows.append(row)
    for name in HOUSEHOLD_COLUMNS:
        if name not in values:
            continue
        if name not in household.given_on:
            household.given_on[name] = row.line
            household.payload[name] = values[name]
        elif household.payload[name] != values[name]:
            first = household.given_on[name]
            errors.add(row.line, name, f"differs from line {first} of the same household")


def _same_person_twice(numbers: dict[str, list[int]], errors: _LineErrors) -> None:
    for lines in numbers.values():
        for line in lines if len(lines) > 1 else ():
            others = ", ".join(str(other) for other in lines if other != line)
            errors.add(line, "id_number", f"the same person is also on line {others}")


def _schema_errors(household: _Household, messages: dict[str, list[str]], errors) -> None:
    """The schema's messages on the lines and columns they concern. A cell refused when
    it was read is not refused again (as missing, or as a person listed twice)."""
    for path, reasons in messages.items():
        parts = path.split(".")
        if parts[0] == "members" and len(parts) > 1:
            line = household.rows[int(parts[1])].line
            column = parts[2] if len(parts) > 2 else "_row"
        elif path == "members":  # not exactly one head
            heads = [
                row.line
                for row, member in zip(household.rows, household.payload["members"], strict=True)
                if member.get("relation") == Relation.head
            ]
            for line in heads if len(heads) > 1 else [household.rows[0].line]:
                errors.add(line, "relation", reasons)
            continue
        elif path in BY_CODE:
            line, column = household.line_of(path), path
        else:
            line, column = household.rows[0].line, "_row"
        if not errors.has(line, column):
            errors.add(line, column, reasons)


def _check_communities(tenant: Tenant, households: list[_Household], errors) -> dict[str, Area]:
    """Each household lives in a community of the bureau's jurisdiction (one query per
    10,000 codes). Returns the areas by code."""
    codes = sorted({h.payload["area_code"] for h in households if "area_code" in h.payload})
    areas: dict[str, Area] = {}
    for start in range(0, len(codes), service.MAX_IN_LIST):
        chunk = codes[start : start + service.MAX_IN_LIST]
        found = db.session.scalars(select(Area).where(Area.code.in_(chunk)))
        areas.update((area.code, area) for area in found)
    for household in households:
        code, line = household.payload.get("area_code"), household.line_of("area_code")
        if code is None or errors.has(line, "area_code"):
            continue  # refused already, as missing or malformed
        problem = service.community_problem(tenant, areas.get(code))
        if problem:
            errors.add(line, "area_code", problem)
    return areas


def _check_registered(tenant: Tenant, households: list[_Household], errors) -> None:
    """Nobody already registered in the jurisdiction (one query per 10,000 people); the
    refusal says where, as registration does."""
    try:
        service.refuse_registered_elsewhere(tenant.id, tenant.policy_pack, _claims(households))
    except Conflict as conflict:
        for line, reasons in conflict.errors.items():
            errors.add(int(line), "id_number", reasons)


def _claims(households: list[_Household]) -> list[service.Claim]:
    """The people the households register, each named by their line."""
    return [
        service.Claim(str(row.line), personal_data.digest(member["id_number"].number))
        for household in households
        for row, member in zip(household.rows, household.data["members"], strict=True)
    ]


# --- the job ------------------------------------------------------------------------------------


def submit(tenant: Tenant, user: User, raw: bytes, file_name: str, mode: ImportMode):
    """Keep the upload (encrypted) and run its import as a job: on a worker, or at once in
    process when there is no Redis. Returns the import, finished in the latter case."""
    limit = current_app.config["HOUSEHOLD_IMPORT_MAX_MB"]
    if not raw:
        raise InvalidInput.field("file", N_("the file is empty"))
    if len(raw) > limit * 2**20:
        raise InvalidInput.field("file", f"the file is larger than {limit} MB")
    name = CONTROL_CHARACTERS.sub("", file_name.replace("\\", "/").rsplit("/", 1)[-1])
    record = HouseholdImport(
        tenant_id=tenant.id,
        created_by_id=user.id,
        file_name=name[:200],
        mode=mode,
        status=ImportStatus.queued,
        upload=personal_data.seal_file(raw),
    )
    db.session.add(record)
    db.session.flush()
    import_id, tenant_id = record.id, tenant.id
    # The job reads the upload in a session of its own (a worker's, or in process its
    # own app context's), so it has to be committed first. Nothing is read after the
    # commit until the job has run (on SQLite a read would fix the transaction's view),
    # so the reading below sees what the job wrote when it ran in process.
    db.session.commit()
    enqueue(JOB, import_id, tenant_id=tenant_id)
    return db.session.get(HouseholdImport, import_id)


def run(import_id: int) -> ImportStatus | None:
    """Run a queued import (in its tenant's scope). Running it again does nothing."""
    record = claim(HouseholdImport, import_id, ImportStatus.queued, ImportStatus.running)
    if record is None:
        return None
    try:
        status, report = _import(record)
    except Exception:
        # Nothing of it is kept; the import says so rather than staying "running".
        db.session.rollback()
        current_app.logger.exception("household import %s failed", import_id)
        record = db.session.get(HouseholdImport, import_id)
        status, report = ImportStatus.failed, _report(file_errors={"file": [FAILED]})
    record.status, record.report, record.finished_at = status, report, utcnow()
    record.counts = {key: report[key] for key in ("households", "members")}
    record.upload = None  # the file holds ID numbers in clear: not kept once read
    return status


def fail_stalled(now: datetime) -> int:
    """Fail the imports still "running" long after they started: their worker ended
    mid-run (stopped, out of memory), and their transaction, never committed, wrote
    nothing. The bureau sees why, and the uploaded file (ID numbers in clear) is not
    kept. Returns how many."""
    started_before = now - timedelta(seconds=current_app.config["HOUSEHOLD_IMPORT_STALLED_AFTER"])
    stalled = db.session.scalars(
        select(HouseholdImport).where(
            HouseholdImport.status == ImportStatus.running,
            HouseholdImport.started_at < started_before,
        )
    ).all()
    for record in stalled:
        report = _report(file_errors={"file": [STALLED]})
        record.status, record.report, record.finished_at = ImportStatus.failed, report, now
        record.counts = {key: report[key] for key in ("households", "members")}
        record.upload = None
    return len(stalled)


def _import(record: HouseholdImport) -> tuple[ImportStatus, dict]:
    tenant = db.session.get(Tenant, record.tenant_id)
    raw = personal_data.unseal_file(record.upload)
    try:
        table = read(raw, current_app.config["HOUSEHOLD_IMPORT_MAX_ROWS"])
    except InvalidInput as refused:
        return ImportStatus.refused, _report(file_errors=refused.errors)
    checked = check(tenant, table)
    accepted = checked.accepted
    if record.mode is ImportMode.check:
        return ImportStatus.checked, _report(table, checked)
    if not accepted or (record.mode is ImportMode.all_or_nothing and checked.errors):
        return ImportStatus.refused, _report(table, checked)
    try:
        written = write(tenant, accepted, record)
    except Conflict as conflict:  # registered by someone else since the check
        for line, reasons in conflict.errors.items():
            checked.errors.add(int(line), "id_number", reasons)
        return ImportStatus.failed, _report(table, checked, file_errors={"file": [RACE]})
    return ImportStatus.imported, _report(table, checked, written=written)


def write(tenant: Tenant, households: list[_Household], record: HouseholdImport) -> list[Household]:
    """Write the accepted households in one flush, or refuse (Conflict, a savepoint
    rolled back) if any of their people was registered meanwhile, as registration does;
    one audit entry for all."""
    records = [service.new_household(tenant, h.data, h.area) for h in households]
    # Another refusal of the database than the register's key is no race: it fails the
    # import as an unexpected error (see run).
    with service.claiming(tenant.id, tenant.policy_pack, _claims(households)):
        db.session.add_all(records)
    audit.record(
        "household.import",
        "household_import",
        record.id,
        tenant_id=tenant.id,
        actor=record.created_by,
        after={
            "mode": str(record.mode),
            "file": record.file_name,
            "households": len(records),
            "members": sum(len(h.members) for h in records),
            "household_ids": [h.id for h in records],
        },
    )
    return records


def _report(
    table: Table | None = None,
    checked: Checked | None = None,
    written: list[Household] = (),
    file_errors: dict | None = None,
) -> dict:
    """The report kept with the import: counts, and each rejected line with its reasons."""
    households = checked.households if checked else []
    accepted = checked.accepted if checked else []
    rows, errors = (checked.rows, checked.errors) if checked else (0, {})
    members_accepted = sum(len(h.rows) for h in accepted)
    return {
        "file_errors": file_errors or {},
        "headers": table.headers if table else {},
        "households": {
            "read": len(households),
            "accepted": len(accepted),
            "rejected": len(households) - len(accepted),
            "written": len(written),
        },
        "members": {
            "read": rows,
            "accepted": members_accepted,
            "rejected": rows - members_accepted,
            "written": sum(len(h.members) for h in written),
        },
        "rejected": [
            {"line": line, "household_ref": checked.refs.get(line), "errors": errors[line]}
            for line in sorted(errors)
        ],
    }


def imports_query():
    return (
        select(HouseholdImport)
        .options(joinedload(HouseholdImport.created_by))
        .order_by(HouseholdImport.id.desc())
    )


# --- the template -------------------------------------------------------------------------------


def _example_id(body: str) -> str:
    return body + check_character(body)


EXAMPLE = (
    {
        "household_ref": "1",
        "area_code": "320613001001",
        "address": "北大街12号3幢201室",
        "setting": "城市",
        "phone": "13812345678",
        "checks_authorised_on": "2026-11-02",
        "registered_on": "2026-11-02",
        "name": "张三",
        "id_number": _example_id("32061319700501001"),
        "relation": "户主",
        "labour_capacity": "部分丧失劳动能力",
        "employment": "失业",
        "disability_type": "肢体",
        "disability_grade": "2",
        "major_illness": "否",
        "self_care": "全自理",
        "supporter": "无法定义务人",
    },
    {
        "household_ref": "1",
        "name": "张小明",
        "id_number": _example_id("32061320120301002"),
        "relation": "子女",
        "labour_capacity": "完全丧失劳动能力",
        "employment": "非劳动力",
        "school_stage": "初中",
        "major_illness": "否",
    },
)


def template_rows() -> list[list[str]]:
    """The header row (Chinese headers) and an example household of two members."""
    return [[c.header for c in COLUMNS]] + [
        [row.get(c.code, "") for c in COLUMNS] for row in EXAMPLE
    ]


def template_csv() -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Chinese headers as they are."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(template_rows())
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    """Every cell formatted as text, so that Excel keeps ID numbers' digits and phone
    numbers' leading zeros."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "households"
    for row in template_rows():
        sheet.append(row)
    for cells in sheet.iter_cols(min_row=1, max_row=200, max_col=len(COLUMNS)):
        for cell in cells:
            cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
