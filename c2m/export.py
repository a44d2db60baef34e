"""Shop-floor work orders from a stored plan: a CSV, or an XLSX with one sheet per line.

One row per lot and working day on each sewing line, cutting table and finishing station (one
sheet each: cutting and finishing beside sewing), in the order the resource runs them, with
what a leader needs: day and shift, lot, style and product name (Chinese included), colour,
the SKUs and size breakdown in size order (S, M, L...), that day's quantity (``part`` 2/3 is
the second of three days; ``lot_quantity`` the whole lot's), planned start and end, the
changeover (and learning-curve ramp-up) before it, and the fabric to pull for the cutting (in
whole rolls for fabric bought by the roll). The day quantities of a step add up to the plan.

Made for Excel on a Chinese Windows PC, which is where the files are opened:

* the CSV is UTF-8 *with* a byte-order mark (``utf-8-sig``): without it, Excel reads the file
  as the system code page (GBK) and shows style names and colours as garbage;
* the XLSX holds real date and time cells (with number formats), so a planner can sort and
  filter by day, and real numbers; sheet names are made acceptable to Excel (at most
  31 characters, none it forbids, unique ignoring case), Chinese line names included.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from c2m.config import FactoryConfig
from c2m.errors import DataError
from c2m.floor_days import day_pieces, size_key
from c2m.models import Fabric, Style
from c2m.planning.stored import read_plan

COLUMNS = [
    "line",
    "step",
    "date",
    "shift",
    "sequence",
    "part",
    "lot_id",
    "style",
    "name",
    "colour",
    "sku",
    "breakdown",
    "quantity",
    "lot_quantity",
    "start",
    "end",
    "changeover_minutes",
    "learning_minutes",
    "fabric",
    "fabric_quantity",
    "fabric_rolls",
    "due",
    "late_minutes",
]
WIDTHS = {"breakdown": 48, "lot_id": 30, "sku": 40, "name": 24, "start": 17, "end": 17, "due": 17}
CSV_ENCODING = "utf-8-sig"  # the BOM tells Excel this is UTF-8, not the system's GBK

# Excel's number formats for the XLSX cells: dates and times as dates, not text.
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
NUMBER_FORMATS = {
    "date": DATE_FORMAT,
    "start": TIME_FORMAT,
    "end": TIME_FORMAT,
    "due": TIME_FORMAT,
    "quantity": "#,##0",
    "lot_quantity": "#,##0",
    "fabric_quantity": "#,##0.00",
    "fabric_rolls": "0",
    "changeover_minutes": "0",
    "learning_minutes": "0",
    "late_minutes": "#,##0",
    "sequence": "0",
}
_SHEET_FORBIDDEN = str.maketrans({ch: "_" for ch in "[]:*?/\\"})
_SHEET_MAX = 31


def work_orders(session: Session, plan_id: int, cfg: FactoryConfig) -> list[dict[str, Any]]:
    """The work-order rows of a plan: per resource (sewing lines, then cutting tables and
    finishing stations) in running order, one row per working day an operation spans, with
    that day's quantity (``part`` says which day of how many)."""
    view = read_plan(session, plan_id)
    sizes = {s.sku: (s.colour, s.size) for s in view.skus.values()}
    names = {st.style: st.name for st in session.exec(select(Style)).all()}
    rolls = {f.fabric: f.roll_size for f in session.exec(select(Fabric)).all()}
    rows = []
    for lot in view.lots:
        skus = sorted(lot.items, key=lambda s: (size_key(sizes.get(s, ("", s))[1]), s))
        roll = rolls.get(lot.fabric or "")
        lot_fields = {
            "lot_id": lot.code,
            "style": lot.style,
            "name": names.get(lot.style, ""),
            "colour": lot.colour or "mixed",
            "sku": "; ".join(skus),
            "breakdown": "; ".join(f"{'/'.join(sizes.get(s, (s,)))}:{lot.items[s]}" for s in skus),
            "lot_quantity": lot.quantity,
            "due": _fmt(lot.due),
            "late_minutes": lot.late_minutes,
        }
        for op in lot.ops:
            pieces = day_pieces(op.start, op.end, op.setup_minutes, lot.quantity, cfg)
            for k, piece in enumerate(pieces):
                first = k == 0
                rows.append(
                    {
                        "line": op.resource,
                        "step": op.step,
                        "date": piece.day.isoformat(),
                        "shift": shift_of(piece.start, cfg),
                        "part": f"{k + 1}/{len(pieces)}",
                        **lot_fields,
                        "quantity": piece.quantity,
                        "start": _fmt(piece.start),
                        "end": _fmt(piece.end),
                        "changeover_minutes": op.changeover_minutes if first else 0,
                        "learning_minutes": op.learning_minutes if first else 0,
                        # the fabric is pulled once: on the first row of the lot's cutting
                        "fabric": (lot.fabric or "") if first and op.step == "cut" else "",
                        "fabric_quantity": round(lot.fabric_quantity, 2)
                        if first and op.step == "cut"
                        else "",
                        "fabric_rolls": math.ceil(lot.fabric_quantity / roll - 1e-9)
                        if roll and first and op.step == "cut"
                        else "",
                        "_start": piece.start,
                    }
                )
    step_rank = {"sew": 0, "cut": 1, "finish": 2}
    rows.sort(key=lambda r: (step_rank.get(r["step"], 3), r["line"], r["_start"], r["lot_id"]))
    sequence: dict[str, int] = {}
    for r in rows:
        sequence[r["line"]] = sequence.get(r["line"], 0) + 1
        r["sequence"] = sequence[r["line"]]
        del r["_start"]
    return rows


def shift_of(t: dt.datetime, cfg: FactoryConfig) -> str:
    """The shift (or overtime) a time falls in; before the first shift counts as it."""
    clock = t.time()
    shifts = sorted(cfg.calendar.shifts, key=lambda s: s.start)
    if cfg.calendar.overtime is not None:
        shifts.append(cfg.calendar.overtime)
    for shift in shifts:
        if shift.start <= clock < shift.end:
            return shift.name
    later = [s for s in shifts if s.start > clock]
    return later[0].name if later else shifts[-1].name


def _fmt(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def export_plan(
    session: Session, plan_id: int, fmt: str, out_dir: Path, cfg: FactoryConfig
) -> list[Path]:
    """Writes ``out_dir/work_orders.csv`` or ``.xlsx``; returns the files written."""
    if fmt not in ("csv", "xlsx"):
        raise DataError(f"--format must be csv or xlsx, not {fmt!r}")
    rows = work_orders(session, plan_id, cfg)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"work_orders.{fmt}"
    tmp = path.with_name(path.name + ".tmp")
    if fmt == "csv":
        with tmp.open("w", newline="", encoding=CSV_ENCODING) as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    else:
        _write_xlsx(tmp, rows, plan_id)
    tmp.replace(path)  # a reader never sees half a file
    return [path]


def _write_xlsx(path: Path, rows: list[dict[str, Any]], plan_id: int) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    lines = sorted({r["line"] for r in rows}) or ["(no lots)"]
    for line, title in zip(lines, sheet_names(lines), strict=True):
        sheet = book.create_sheet(title=title)
        sheet.append(COLUMNS)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for r in rows:
            if r["line"] == line:
                sheet.append([_cell(c, r[c]) for c in COLUMNS])
        for k, col in enumerate(COLUMNS, start=1):
            if col in NUMBER_FORMATS:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=k, max_col=k):
                    cell.number_format = NUMBER_FORMATS[col]
        sheet.freeze_panes = "A2"
        for k, col in enumerate(COLUMNS, start=1):
            width = WIDTHS.get(col, max(len(col), 8) + 2)
            sheet.column_dimensions[get_column_letter(k)].width = width
    book.properties.title = f"c2m plan {plan_id} work orders"
    book.save(path)


def _cell(column: str, value: Any) -> Any:
    """A CSV value as the XLSX cell it should be: dates and times as such, blanks empty."""
    if value == "":
        return None
    if column == "date":
        return dt.date.fromisoformat(value)
    if column in ("start", "end", "due"):
        return dt.datetime.strptime(value, "%Y-%m-%d %H:%M")
    return value


def sheet_names(names: list[str]) -> list[str]:
    """Sheet titles Excel accepts for ``names`` (line ids, in order).

    Excel refuses a title longer than 31 characters, containing any of ``[]:*?/\\``, starting
    or ending with an apostrophe, empty, named "History", or equal to another sheet's title
    ignoring case; Chinese characters are fine.
    """
    taken: set[str] = set()
    titles = []
    for name in names:
        base = str(name).translate(_SHEET_FORBIDDEN).strip().strip("'")[:_SHEET_MAX]
        if not base or base.casefold() == "history":
            base = f"line {base}".strip()[:_SHEET_MAX] if base else "line"
        title, n = base, 1
        while title.casefold() in taken:
            n += 1
            suffix = f" ({n})"
            title = base[: _SHEET_MAX - len(suffix)] + suffix
        taken.add(title.casefold())
        titles.append(title)
    return titles
