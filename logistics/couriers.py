"""Courier companies as people write them: Chinese names or codes in (the names people read
are the enum's labels, ``logistics.models.Courier``)."""

from __future__ import annotations

from urllib.parse import quote

from logistics.models import Courier

#: Other ways manifests and forms write them (compared without case and spaces).
ALIASES: dict[str, Courier] = {
    "顺丰": Courier.SF,
    "顺丰速运": Courier.SF,
    "中通": Courier.ZTO,
    "中通快递": Courier.ZTO,
    "圆通": Courier.YTO,
    "圆通速递": Courier.YTO,
    "申通": Courier.STO,
    "申通快递": Courier.STO,
    "韵达": Courier.YUNDA,
    "韵达快递": Courier.YUNDA,
    "极兔": Courier.JT,
    "极兔速递": Courier.JT,
    "J&T": Courier.JT,
    "J&TEXPRESS": Courier.JT,
    "京东": Courier.JD,
    "京东物流": Courier.JD,
    "邮政": Courier.EMS,
    "中国邮政": Courier.EMS,
    "邮政EMS": Courier.EMS,
}
#: The couriers a parcel from outside can come with (not the station's own deliveries).
OUTSIDE = tuple(c for c in Courier if c is not Courier.STATION)


def parse_courier(text: str) -> Courier | None:
    """The courier named by a code ("SF", "sf") or a Chinese name ("顺丰"); None if unknown."""
    key = "".join(text.split()).upper()
    if key in ALIASES:
        return ALIASES[key]
    try:
        return Courier(key)
    except ValueError:
        return None


#: Each courier's public tracking page for a waybill number.
TRACKING_URLS: dict[Courier, str] = {
    Courier.SF: "https://www.sf-express.com/chn/sc/waybill/waybill-detail/{waybill}",
    Courier.ZTO: "https://www.zto.com/express/expressCheck.html?txtBill={waybill}",
    Courier.EMS: "https://www.ems.com.cn/queryList?mailNum={waybill}",
    Courier.JD: "https://www.jdl.com/orderSearch/?waybillCodes={waybill}",
    Courier.YTO: "https://www.kuaidi100.com/chaxun?com=yuantong&nu={waybill}",
    Courier.STO: "https://www.kuaidi100.com/chaxun?com=shentong&nu={waybill}",
    Courier.YUNDA: "https://www.kuaidi100.com/chaxun?com=yunda&nu={waybill}",
    Courier.JT: "https://www.kuaidi100.com/chaxun?com=jtexpress&nu={waybill}",
}


def tracking_url(courier: Courier, waybill: str) -> str | None:
    """The courier's page that tracks this waybill (None for the station's own deliveries)."""
    template = TRACKING_URLS.get(courier)
    return template.format(waybill=quote(waybill, safe="")) if template else None
