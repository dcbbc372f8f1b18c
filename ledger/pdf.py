"""A seller's weekly statement and a station's month report on A4, as PDFs (reportlab).

The figures are the ones the pages show, read from the same rows (the statement as
settled, the week's entries, the month report), so a printed sheet cannot disagree with
the ledger. Text follows the reader's language (Chinese first) in the CID font of
``core.pdf``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from core.i18n import month_label
from core.models import User
from core.money import format_fen
from core.pdf import LINE_SPACING, chinese_font, wrap, write
from core.timeutil import format_local
from ledger.earnings import EntryLine
from ledger.models import ENTRY_KIND_NAMES, PAYOUT_METHOD_NAMES, EntryKind, Statement
from ledger.station import MonthReport

WIDTH, HEIGHT = A4
MARGIN = 20 * mm
TEXT_WIDTH = WIDTH - 2 * MARGIN
BODY = 10.5
AMOUNT_WIDTH = 28 * mm  # the right-aligned amounts of the statement's lines
# The payout page's signature pad: strokes are kept in this coordinate box.
SIGNATURE_BOX = (340, 160)
SIGNATURE_POINT = re.compile(r"([ML])(\d+) (\d+)")


class Sheet:
    """A4 pages written top to bottom; a new page starts when the next line would not fit."""

    def __init__(self, title: str) -> None:
        self.out = io.BytesIO()
        self.canvas = Canvas(self.out, pagesize=A4, pageCompression=1)
        self.canvas.setTitle(title)
        self.y = HEIGHT - MARGIN

    def room(self, height: float) -> None:
        if self.y - height < MARGIN:
            self.canvas.showPage()
            self.y = HEIGHT - MARGIN

    def text(self, text: str, size: float = BODY, gap: float = 0) -> None:
        self.room(size * LINE_SPACING)
        self.y = write(self.canvas, text, MARGIN, self.y - size, size, TEXT_WIDTH) + size - gap

    def row(self, label: str, amount_fen: int, *, bold: bool = False) -> None:
        """A label on the left and an amount on the right, ruled underneath."""
        size = BODY + 1 if bold else BODY
        self.room(size * 1.8)
        baseline = self.y - size
        self.canvas.setFont(chinese_font(), size)
        self.canvas.drawString(MARGIN, baseline, label)
        self.canvas.drawRightString(WIDTH - MARGIN, baseline, format_fen(amount_fen))
        self.canvas.setLineWidth(1 if bold else 0.3)
        self.canvas.line(MARGIN, baseline - 4, WIDTH - MARGIN, baseline - 4)
        self.y = baseline - size * 0.8

    def columns(self, cells: Sequence[str], stops: Sequence[float], size: float = BODY) -> None:
        """One table row: the first cells from their left stops, the last right-aligned; the
        last left cell wraps short of the amount column."""
        *lefts, amount = cells
        wrapped = wrap(lefts[-1], size, TEXT_WIDTH - stops[-1] - AMOUNT_WIDTH) or [""]
        self.room(size * LINE_SPACING * len(wrapped))
        baseline = self.y - size
        self.canvas.setFont(chinese_font(), size)
        for cell, stop in zip(lefts[:-1], stops[:-1], strict=True):
            self.canvas.drawString(MARGIN + stop, baseline, cell)
        self.canvas.drawRightString(WIDTH - MARGIN, baseline, amount)
        for line in wrapped:
            self.canvas.drawString(MARGIN + stops[-1], baseline, line)
            baseline -= size * LINE_SPACING
        self.y = baseline + size * LINE_SPACING - size * (LINE_SPACING - 1)

    def space(self, height: float = 4 * mm) -> None:
        self.y -= height

    def signature(self, path: str, width: float = 68 * mm) -> None:
        """The seller's strokes (an SVG path of M/L points) scaled into the page."""
        box_w, box_h = SIGNATURE_BOX
        scale = width / box_w
        self.room(box_h * scale)
        top, drawn = self.y, self.canvas.beginPath()
        for command, x, y in SIGNATURE_POINT.findall(path):
            point = (MARGIN + int(x) * scale, top - int(y) * scale)
            if command == "M":
                drawn.moveTo(*point)
            else:
                drawn.lineTo(*point)
        self.canvas.setLineWidth(1)
        self.canvas.drawPath(drawn, stroke=1, fill=0)
        self.y = top - box_h * scale

    def done(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self.out.getvalue()


def _entry_cells(line: EntryLine) -> list[str]:
    entry = line.entry
    what = entry.memo if entry.kind is not EntryKind.PAYOUT else ""
    if line.commission_fen:
        what = _(
            "%(memo)s（货款 %(gross)s，村站抽成 %(commission)s）",
            memo=what,
            gross=format_fen(line.gross_fen),
            commission=format_fen(line.commission_fen),
        )
    return [
        format_local(entry.created_at, "%m-%d %H:%M"),
        str(ENTRY_KIND_NAMES[entry.kind]),
        what,
        format_fen(line.seller_fen),
    ]


def statement_pdf(statement: Statement, seller: User, lines: Sequence[EntryLine]) -> bytes:
    """The seller's week: who, which week, each entry, the totals, and the payout."""
    week = f"{statement.week_start.isoformat()} — {statement.week_end.isoformat()}"
    sheet = Sheet(_("结算单"))
    sheet.text(_("村站结算单"), size=18, gap=2 * mm)
    sheet.text(_("卖家：%(name)s  %(phone)s", name=seller.name, phone=seller.phone))
    sheet.text(_("结算周：%(week)s", week=week), gap=4 * mm)
    sheet.text(_("本周明细"), size=13, gap=1 * mm)
    stops = (0, 28 * mm, 50 * mm)
    for line in lines:
        sheet.columns(_entry_cells(line), stops)
    if not lines:
        sheet.text(_("本周没有账目。"))
    sheet.space()
    sheet.text(_("合计"), size=13, gap=1 * mm)
    sheet.row(_("上周结余"), statement.opening_fen)
    sheet.row(_("本周卖出"), statement.sales_fen)
    sheet.row(_("村站抽成"), -statement.commission_fen)
    sheet.row(_("退款"), -statement.refunds_fen)
    sheet.row(_("本周已提现"), -statement.payouts_fen)
    sheet.row(_("本周结余"), statement.closing_fen, bold=True)
    if statement.opening_fen < 0:
        sheet.text(_("上周结余是负数：付款之后有订单退了款，这笔钱从本周收入里扣回。"))
    sheet.space()
    payout = statement.payout
    if payout is None:
        sheet.text(_("还没有付款：请到村站柜台领取。"))
        return sheet.done()
    paid = _(
        "%(when)s 以%(method)s付给卖家 %(amount)s",
        when=format_local(payout.created_at, "%Y-%m-%d %H:%M"),
        method=PAYOUT_METHOD_NAMES[payout.method],
        amount=format_fen(payout.amount_fen),
    )
    sheet.text(f"{paid} · {_('转账单号')} {payout.reference}" if payout.reference else paid)
    if payout.signature:
        sheet.text(_("卖家签名"), gap=1 * mm)
        sheet.signature(payout.signature)
    return sheet.done()


def month_pdf(report: MonthReport, station_name: str) -> bytes:
    """The station's month: the totals, the till, and each seller's figures."""
    title = _("本站月报")
    sheet = Sheet(title)
    sheet.text(f"{station_name} {title} · {month_label(report.month)}", size=18, gap=4 * mm)
    total = report.total
    sheet.row(_("卖出"), total.sales_fen)
    sheet.row(_("本站抽成"), total.commission_fen)
    sheet.row(_("退款"), total.refunds_fen)
    sheet.row(_("付给卖家"), total.payouts_fen)
    sheet.row(_("钱箱月初"), report.till_opening_fen)
    sheet.row(_("钱箱本月变化"), report.till_change_fen)
    sheet.row(_("钱箱月末"), report.till_closing_fen, bold=True)
    sheet.space()
    sheet.text(_("各卖家"), size=13, gap=1 * mm)
    for line in report.sellers:
        f = line.figures
        sheet.text(
            _(
                "%(name)s：卖出 %(sales)s，抽成 %(commission)s，退款 %(refunds)s，已付 %(payouts)s",
                name=line.seller.name,
                sales=format_fen(f.sales_fen),
                commission=format_fen(f.commission_fen),
                refunds=format_fen(f.refunds_fen),
                payouts=format_fen(f.payouts_fen),
            ),
            gap=1 * mm,
        )
    if not report.sellers:
        sheet.text(_("这个月没有账目。"))
    return sheet.done()
