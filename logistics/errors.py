"""Errors of the logistics package: one type, its codes, their HTTP status and message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l

from core.errors import CunzhanError


class LogisticsError(CunzhanError):
    """Parcels, depots, rounds and their planning."""

    catalog: ClassVar[Mapping[str, tuple[int, Any]]] = {
        # who may act
        "no_township": (403, _l("您没有负责的乡镇")),
        "no_station": (403, _l("您没有负责的村站")),
        "not_your_round": (403, _l("这不是您的路线")),
        "round_not_in_township": (403, _l("这不是您乡镇的路线")),
        "stop_not_on_your_round": (403, _l("这一站不在您的路线上")),
        # intake at the hub
        "unknown_courier": (422, _l("未知快递公司：%(courier)s")),
        "station_courier": (422, _l("快递公司不能是村站")),
        "bad_tracking_no": (422, _l("运单号应为 6-40 位字母数字")),
        "bad_recipient_name": (422, _l("收件人姓名为 1-60 个字")),
        "bad_weight": (422, _l("重量应在 1 克到 100 公斤之间")),
        "weight_not_whole": (422, _l("重量应为整数克")),
        "unknown_priority": (422, _l("未知优先级：%(priority)s")),
        "tracking_no_taken": (409, _l("这个运单号已经登记过")),
        "duplicate_tracking_no": (422, _l("运单号重复：%(tracking_no)s")),
        "missing_columns": (422, _l("缺少列：%(columns)s")),
        "too_many_rows": (422, _l("最多 %(rows)s 行")),
        "empty_manifest": (422, _l("清单是空的")),
        "manifest_rejected": (422, _l("清单有 %(count)s 行有误，未导入任何包裹")),
        "parcel_not_found": (404, _l("没有这个包裹")),
        "tracking_no_not_announced": (404, _l("清单里没有这个运单号")),
        "parcel_left_hub": (409, _l("包裹已离开镇中心，不能改收件户")),
        "household_not_in_township": (404, _l("本镇没有这一户")),
        "phone_not_one_household": (404, _l("本镇没有只用这个手机号的一户")),
        "household_not_found": (404, _l("没有这一户")),
        "bad_reference": (422, _l("单号应为 1-60 个字符")),
        "reference_in_delivery": (409, _l("这个单号已经在配送中")),
        "produce_description_required": (422, _l("请写明要寄出的农产品")),
        # depots
        "parcel_not_matched": (409, _l("包裹还没有对应到户")),
        "township_not_found": (404, _l("没有这个乡镇")),
        "hub_empty": (422, _l("镇中心没有待分拨的包裹")),
        "batch_not_found": (404, _l("没有这一批包裹")),
        "batch_received": (409, _l("这一批已经签收")),
        "parcels_not_in_batch": (422, _l("勾选的包裹不在这一批里")),
        "not_in_transit_batch": (404, _l("在途批次里没有这个运单号")),
        "parcel_received": (409, _l("这件已经签收")),
        "parcel_not_at_station": (404, _l("本站没有这个包裹")),
        "parcel_out_for_delivery": (409, _l("包裹已在配送途中")),
        "wrong_pickup_code": (422, _l("取件码不对")),
        "too_many_attempts": (429, _l("取件码错了%(times)s次，请%(minutes)s分钟后再试")),
        # planning and rounds
        "village_not_found": (404, _l("没有这个村")),
        "village_not_in_township": (404, _l("本镇没有这个村")),
        "event_time_out_of_range": (422, _l("时间须在这条路线当天，且不晚于现在")),
        "photo_incomplete": (422, _l("照片数据不完整，请重拍")),
        "villages_being_planned": (409, _l("%(villages)s正在规划，请等规划完再试")),
        "no_cadre_vehicle": (422, _l("%(village)s没有干部的车辆")),
        "round_not_found": (404, _l("没有这条路线")),
        "stop_not_found": (404, _l("没有这一站")),
        "idempotency_key_reused": (409, _l("这个确认编号已用于另一条确认")),
        "stop_conflict": (409, _l("这一站已经是“%(status)s”")),
        "stop_reassigned": (
            409,
            _l("重新规划后%(household)s家改由%(cadre)s配送，这条结果没有记上，请告诉调度员"),
        ),
        "nothing_to_deliver": (422, _l("这一站没有要送的包裹")),
        "code_or_signature_needed": (422, _l("请输入取件码或请收件人签名")),
        "reason_required": (422, _l("请选择没送到的原因")),
        "no_produce_here": (422, _l("这一站没有要收的农产品")),
        "no_visit_here": (422, _l("这一站没有要办的事项或走访")),
        "weight_required": (422, _l("请填写称重")),
        # outbound parcels to the city
        "outbound_not_found": (404, _l("没有这个寄出包裹")),
        "outbound_not_at_station": (404, _l("本站没有这个寄出包裹")),
        "outbound_not_at_hub": (404, _l("镇中心没有这个寄出包裹")),
        "station_not_found": (404, _l("没有这个村站")),
        "seller_not_found": (404, _l("没有这个卖家")),
        "seller_has_no_household": (422, _l("卖家没有登记住户，无法上门收货")),
        "bad_recipient": (422, _l("收件人姓名为 1-60 个字")),
        "bad_phone": (422, _l("收件电话应为 7-20 位数字")),
        "bad_division_code": (422, _l("行政区划代码应为 6 位数字")),
        "bad_street": (422, _l("详细地址为 1-300 个字")),
        "bad_waybill": (422, _l("运单号应为 6-40 位字母数字")),
        "waybill_taken": (409, _l("这个运单号已用于另一件包裹：%(waybill)s")),
        "collection_on_round": (409, _l("干部已出发收货，不能取消")),
        "no_parcels_ticked": (422, _l("没有勾选包裹")),
    }


class WrongPickupCode(LogisticsError):
    """A pickup code that is not the parcel's (``logistics.throttle`` counts these)."""

    def __init__(self) -> None:
        super().__init__("wrong_pickup_code")
