"""Errors of the shop (catalog, orders, group-buys): one type, its codes, status and message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l

from core.errors import CunzhanError


class ShopError(CunzhanError):
    """The storefront, listings, orders and group-buys."""

    catalog: ClassVar[Mapping[str, tuple[int, Any]]] = {
        # listings and photos
        "sellers_only": (403, _l("只有农户或供货商可以上架")),
        "not_county_admin": (403, _l("您不是这个县的县级管理员")),
        "no_home_village": (422, _l("账号没有登记所在村")),
        "bad_title": (422, _l("名称需 1 到 %(most)s 个字")),
        "description_too_long": (422, _l("介绍最多 %(most)s 字")),
        "bad_price": (422, _l("价格须大于 0 元且不超过 10 万元")),
        "bad_unit_weight": (422, _l("单件重量应在 1 克到 100 公斤之间")),
        "origin_not_in_township": (422, _l("产地须是本乡镇的村")),
        "product_not_found": (404, _l("找不到这个商品")),
        "listing_locked": (422, _l("审核中或在售的商品不能修改")),
        "too_many_photos": (422, _l("最多 %(most)s 张照片")),
        "photo_not_found": (404, _l("找不到这张照片")),
        "not_your_station_product": (403, _l("这不是您站点的商品")),
        "reject_reason_required": (422, _l("请写明退回原因")),
        "not_pending_review": (422, _l("只有待审核的商品可以退回")),
        "bad_packed_weight": (422, _l("发快递的商品须填打包后的重量（1 克到 %(most)s 公斤）")),
        "bad_journey_days": (422, _l("生鲜最长运输天数须在 1 到 %(most)s 天之间")),
        # address book and shipping
        "bad_recipient": (422, _l("收件人需 1 到 %(most)s 个字")),
        "bad_street": (422, _l("详细地址需 1 到 %(most)s 个字")),
        "unknown_district": (422, _l("请选择省、市和区县")),
        "too_many_addresses": (422, _l("最多保存 %(most)s 个地址")),
        "address_not_found": (404, _l("找不到这个地址")),
        "bad_rate": (422, _l("首重和续重价格须在 0 到 %(most)s 元之间")),
        "bad_rate_days": (422, _l("时效须在 1 到 %(most)s 天之间")),
        "unknown_province": (422, _l("请选择村站所在的省")),
        "tariff_agent_only": (403, _l("只有代办员可以设置本站的快递价格")),
        "rate_for_every_zone": (422, _l("每个区域都要填价格")),
        "ship_online_only": (422, _l("快递订单只能在线支付")),
        "address_required": (422, _l("快递订单请选择收货地址")),
        "cannot_ship": (422, _l("不能寄出：%(reason)s")),
        "packed_at_station": (409, _l("快递订单由村站称重打包，请把货送到村站")),
        "claim_after_receipt": (409, _l("签收后才能申请售后")),
        "claim_too_late": (409, _l("签收超过 48 小时，不能再申请售后")),
        "claim_description": (422, _l("请说明问题（最多 %(most)s 字）")),
        "claim_photos": (422, _l("请上传 1 到 %(most)s 张照片")),
        "claim_exists": (409, _l("这个订单已经申请过售后")),
        "claim_not_found": (404, _l("找不到这个售后申请")),
        "claim_reason": (422, _l("请写明处理理由（最多 %(most)s 字）")),
        "claim_refund_range": (
            422,
            _l("退款金额须大于 0 且不超过 %(most)s 元（只退货款，运费不退）"),
        ),
        "claim_already_decided": (409, _l("这个售后申请已经处理过了")),
        "not_a_ship_order": (409, _l("这个订单不是快递订单")),
        # carts and orders
        "quantity_not_integer": (422, _l("数量必须是整数")),
        "bad_quantity": (422, _l("数量须在 1 到 %(most)s 之间")),
        "cart_empty": (422, _l("购物车是空的")),
        "out_of_stock": (409, _l("「%(title)s」库存不足：只剩 %(left)s 件，请减少数量")),
        "no_lines": (422, _l("订单里没有商品")),
        "too_many_lines": (422, _l("一单最多 %(most)s 种商品")),
        "product_not_for_sale": (404, _l("商品 %(product)s 不存在或已下架")),
        "no_address": (422, _l("买家没有登记住址")),
        "online_unavailable": (409, _l("暂不支持在线支付，请选择到站付现金")),
        "ship_online_unavailable": (409, _l("暂不支持在线支付，快递订单现在还不能下单")),
        "one_seller_per_order": (409, _l("一个订单只能包含同一卖家的商品")),
        "order_not_found": (404, _l("找不到这个订单")),
        "order_not_paid": (409, _l("订单还没付款，请等待")),
        "not_your_station_order": (404, _l("这不是您站点的订单")),
        "not_cash_order": (409, _l("这个订单不是现金付款")),
        "cash_not_collected": (409, _l("请先收款再交货")),
        "not_payable_now": (409, _l("这个订单现在不能收款")),
        "already_packed": (409, _l("订单已打包，请联系村站取消")),
        "villager_not_found": (404, _l("找不到这位村民")),
        "quantity_range": (422, _l("数量须为 %(low)s 到 %(high)s 的整数")),
        "choose_delivery_and_payment": (422, _l("请选择配送和付款方式")),
        "order_not_online": (404, _l("这个订单不是在线支付")),
        # group-buys
        "bad_tier_line": (422, _l("第 %(line)s 行格式应为「数量 价格」，如 50 140")),
        "first_tier_from_one": (422, _l("第一档必须从 1 开始")),
        "tiers_out_of_order": (422, _l("档位数量须递增、价格须递减")),
        "price_not_positive": (422, _l("价格必须大于 0")),
        "station_agent_only": (403, _l("只有本站代办员可以管理这个团购")),
        "min_above_max": (422, _l("成团数量须不大于最大供应量")),
        "household_limit_range": (422, _l("每户限购须在 1 与最大供应量之间")),
        "campaign_unit_weight": (422, _l("单位重量须在 1 克到 1000 公斤之间")),
        "deadline_past": (422, _l("截止时间必须在将来")),
        "campaign_not_found": (404, _l("没有这个团购")),
        "village_households_only": (403, _l("只有本村住户可以参团")),
        "own_household_only": (403, _l("只能为自己家参团")),
        "household_not_in_village": (404, _l("本村没有这户")),
        "household_limit": (422, _l("每户限购 %(limit)s%(unit)s")),
        "cash_pledges_only": (409, _l("这个团购只收现金，请选择到站付款")),
        "already_pledged": (409, _l("您家已经参加了这个团购")),
        "campaign_closed": (409, _l("团购已截止")),
        "campaign_full": (409, _l("超出最大供应量，还剩 %(left)s%(unit)s")),
        "pledge_not_found": (404, _l("没有这个认购")),
        "pledge_not_online": (404, _l("这个认购不是在线支付")),
        "pledge_not_standing": (409, _l("这份认购已经结算或取消，不能再改")),
        "held_pledge_only_down": (
            409,
            _l(
                "在线冻结的认购只能减少数量。要多买，请先取消这份认购（冻结的款项会释放），"
                "再按新数量参团。"
            ),
        ),
        "campaign_not_closing": (409, _l("团购不在结算中")),
        "pledges_unsettled": (409, _l("还有认购未结算")),
        "no_cash_due": (404, _l("没有待收款的认购")),
        "no_household_with_phone": (404, _l("没有找到这个手机号的住户")),
    }
