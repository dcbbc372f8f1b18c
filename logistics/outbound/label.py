"""The 100 × 150 mm shipping label of an outbound parcel, as a PDF (reportlab).

Chinese is drawn with reportlab's built-in CID font (``core.pdf``), so no font file ships
with the app. The label is always in Chinese: it is read by Chinese couriers, whatever
language the agent's page is in.
A QR code and a Code 128 barcode both carry the parcel number (``CZ00000042``), which the hub
scans and the courier's manifest lists.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

import qrcode
import qrcode.constants
from reportlab.graphics.barcode import code128
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from core.labels import describe_reference
from core.pdf import chinese_font, write
from core.timeutil import to_local
from logistics.models import OutboundParcel, OutboundStatus
from logistics.outbound.tracking import kilograms

WIDTH, HEIGHT = 100 * mm, 150 * mm
MARGIN = 5 * mm


def masked_phone(phone: str) -> str:
    """The phone as couriers print it: the first three and last four digits (138****5678)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


@dataclass(frozen=True)
class LabelText:
    """What one label says (read from the parcel; the benchmark builds these directly)."""

    number: str
    order: str
    recipient: str
    phone: str
    address: str
    sender: str
    sender_address: str
    weight_kg: str
    packed_on: str


def label_text(parcel: OutboundParcel) -> LabelText:
    station = parcel.station
    packed = next(
        (e.at for e in reversed(parcel.history) if e.status is OutboundStatus.PACKED), None
    )
    return LabelText(
        number=parcel.number,
        order=describe_reference(f"order:{parcel.order_id}"),
        recipient=parcel.recipient,
        phone=masked_phone(parcel.phone),
        address=parcel.street,
        sender=f"{station.township.name}{station.name}村站",
        sender_address=station.station_address,
        weight_kg=kilograms(parcel.packed_weight_g or parcel.weight_g),
        packed_on=to_local(packed).strftime("%Y-%m-%d") if packed else "",
    )


def _qr(canvas: Canvas, value: str, x: float, y: float, side: float) -> None:
    """A QR code drawn as one filled path (``qrcode`` lays out the modules; reportlab's own QR
    widget draws each module as a shape and took most of a label's time)."""
    # A fixed mask: choosing the "best" of eight costs more than the rest of the label.
    code = qrcode.QRCode(
        border=0, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=0
    )
    code.add_data(value)
    code.make(fit=True)
    matrix = code.get_matrix()
    module = side / len(matrix)
    path = canvas.beginPath()
    for row, cells in enumerate(matrix):
        top = y + side - (row + 1) * module
        for start, length in _dark_runs(cells):
            path.rect(x + start * module, top, length * module, module)
    canvas.drawPath(path, stroke=0, fill=1)


def _dark_runs(cells: list[bool]) -> list[tuple[int, int]]:
    """(first column, length) of each run of dark modules in a row: one rectangle per run."""
    runs: list[tuple[int, int]] = []
    start = None
    for column, dark in enumerate([*cells, False]):
        if dark and start is None:
            start = column
        elif not dark and start is not None:
            runs.append((start, column - start))
            start = None
    return runs


def _draw(canvas: Canvas, label: LabelText) -> None:
    inner = WIDTH - 2 * MARGIN
    top = HEIGHT - MARGIN
    canvas.setFont(chinese_font(), 14)
    canvas.drawString(MARGIN, top - 14, "农产品进城  村站寄件")
    barcode = code128.Code128(label.number, barHeight=14 * mm, barWidth=0.35 * mm)
    barcode.drawOn(canvas, MARGIN - 4 * mm, top - 36 * mm)
    canvas.setFont(chinese_font(), 11)
    canvas.drawString(MARGIN, top - 41 * mm, f"包裹号 {label.number}    {label.order}")
    canvas.line(MARGIN, top - 44 * mm, WIDTH - MARGIN, top - 44 * mm)
    recipient = f"收件人：{label.recipient}  {label.phone}"
    y = write(canvas, recipient, MARGIN, top - 51 * mm, 13, inner)
    y = write(canvas, f"地址：{label.address}", MARGIN, y - 1 * mm, 12, inner)
    canvas.line(MARGIN, y - 1 * mm, WIDTH - MARGIN, y - 1 * mm)
    y = write(canvas, f"寄件：{label.sender}", MARGIN, y - 6 * mm, 10, inner - 34 * mm)
    y = write(canvas, label.sender_address, MARGIN, y, 9, inner - 34 * mm)
    write(canvas, f"重量 {label.weight_kg} 公斤  {label.packed_on}", MARGIN, y - 1 * mm, 9, inner)
    _qr(canvas, label.number, WIDTH - MARGIN - 32 * mm, MARGIN, 32 * mm)


def labels_pdf(labels: Iterable[LabelText]) -> bytes:
    """One page of 100 × 150 mm per label."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(WIDTH, HEIGHT), pageCompression=1)
    canvas.setTitle("村站寄件标签")
    for label in labels:
        _draw(canvas, label)
        canvas.showPage()
    canvas.save()
    return out.getvalue()
