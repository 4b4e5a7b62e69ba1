"""A contract's report for a period as PDF (ReportLab), holding what the printable page
holds, in the reader's language. Chinese is set in the PDF standard's Song font
(STSong-Light, a CID font every PDF reader provides), so nothing has to be embedded."""

from __future__ import annotations

from datetime import date
from functools import cache
from io import BytesIO
from xml.sax.saxutils import escape

from flask_babel import format_decimal, format_percent
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from aidbridge.contracts.models import Contract
from aidbridge.money import format_yuan
from aidbridge.monitoring.service import Filters
from tenants.portal import _

FONT = "STSong-Light"
TEXT = ParagraphStyle("text", fontName=FONT, fontSize=10, leading=15)
TITLE = ParagraphStyle("title", parent=TEXT, fontSize=16, leading=22, spaceAfter=4 * mm)
HEADING = ParagraphStyle("heading", parent=TEXT, fontSize=12, leading=18, spaceBefore=5 * mm)
GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#d9e2ec")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)
FACTS = TableStyle(
    [("FONT", (0, 0), (-1, -1), FONT, 10), ("TEXTCOLOR", (0, 0), (0, -1), colors.grey)]
)


def _text(text: str, style: ParagraphStyle = TEXT) -> Paragraph:
    """A paragraph of plain text (a paragraph reads markup: names are escaped)."""
    return Paragraph(escape(str(text)), style)


def _share(value) -> str:
    return "—" if value is None else format_percent(value, "#,##0.0%")


@cache
def _register_font() -> None:
    """Known to ReportLab once, when the first report is drawn (not at import)."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def contract_report_pdf(contract: Contract, filters: Filters, report: dict, today: date) -> bytes:
    _register_font()
    measures, funnel = report["measures"], report["funnel"]
    targets = measures["targets"]
    facts = [
        (_("Provider"), contract.provider.name),
        (_("Period of the contract"), f"{contract.starts_on} – {contract.ends_on}"),
        (_("Reported period"), f"{filters.since} – {filters.until}"),
        (
            _("Budget spent"),
            f"{format_yuan(measures['spent_fen'])} / {format_yuan(measures['budget_fen'])}"
            f" ({_share(measures['spent_share'])}) · {_('time elapsed')}"
            f" {_share(measures['elapsed_share'])}",
        ),
        (
            _("Units delivered"),
            f"{format_decimal(measures['delivered'])} / {format_decimal(measures['units'])}",
        ),
        (
            _("In the reported period"),
            _(
                "%(units)s units, %(amount)s",
                units=format_decimal(report["in_period"]["units"]),
                amount=format_yuan(report["in_period"]["amount_fen"]),
            ),
        ),
    ]

    def target(name, shown=_share):
        return shown(targets[name]["target"]) if targets.get(name) else "—"

    compared = [
        [_("Measure"), _("Target"), _("Actual")],
        [_("Acceptance rate"), target("accepted_share"), _share(funnel["acceptance_rate"])],
        [_("Completion rate"), target("completed_share"), _share(funnel["completion_rate"])],
        [_("Satisfaction"), target("satisfaction", str), str(funnel["satisfaction"] or "—")],
        [_("Offered"), "—", format_decimal(funnel["offered"])],
        [_("Loop closure"), "—", _share(funnel["loop_closure_rate"])],
    ]
    deliveries = [[_("Date"), _("Item"), _("Units"), _("Amount"), _("Recorded by")]] + [
        [
            str(d.delivered_on),
            _text(d.item.purchase_item.name),
            str(d.units),
            format_yuan(d.amount_fen),
            d.recorded_by_name,
        ]
        for d in report["deliveries"]
    ]
    story = [
        _text(_("Report of contract %(number)s", number=contract.number), TITLE),
        _text(contract.title, HEADING),
        Table([[k, _text(v)] for k, v in facts], colWidths=[40 * mm, 130 * mm], style=FACTS),
        _text(_("Targets and actuals"), HEADING),
        Table(compared, colWidths=[70 * mm, 50 * mm, 50 * mm], style=GRID),
        _text(_("Deliveries in the reported period"), HEADING),
    ]
    if len(deliveries) > 1:
        widths = [25 * mm, 65 * mm, 18 * mm, 27 * mm, 35 * mm]
        story.append(Table(deliveries, colWidths=widths, style=GRID, repeatRows=1))
    else:
        story.append(_text(_("No deliveries in this period.")))
    if not report["deliveries_listed_all"]:
        count = len(report["deliveries"])
        message = _("The first %(n)s are listed; the totals above count them all.", n=count)
        story.append(_text(message))
    story += [Spacer(1, 6 * mm), _text(_("Printed %(day)s from AidBridge.", day=today))]
    out = BytesIO()
    title = _("Report of contract %(number)s", number=contract.number)
    SimpleDocTemplate(out, pagesize=A4, title=title, author=_("AidBridge")).build(story)
    return out.getvalue()
