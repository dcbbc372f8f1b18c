"""The demo data of every package, loaded in order onto one demo township.

Each later package adds a step here: a function taking the session and the
``DemoTownship`` built so far.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.demo import DEMO_PASSWORD, DemoTownship, build_township
from core.models import County
from errands.demo import load_errands_demo
from logistics.demo import load_logistics_demo
from shop.groupbuys.demo import load_groupbuy_demo
from shop.orders.demo import load_storefront_demo
from shop.shipping.demo import load_shipping_demo

DemoStep = Callable[[Session, DemoTownship], None]
DEMO_STEPS: list[DemoStep] = []
DEMO_STEPS.append(load_storefront_demo)
DEMO_STEPS.append(load_logistics_demo)
DEMO_STEPS.append(load_groupbuy_demo)
DEMO_STEPS.append(load_errands_demo)
DEMO_STEPS.append(load_shipping_demo)


def database_is_empty(session: Session) -> bool:
    return session.scalar(select(County.id).limit(1)) is None


def load_demo(session: Session, *, seed: int = 2026) -> DemoTownship:
    demo = build_township(session, seed=seed)
    for step in DEMO_STEPS:
        step(session, demo)
    return demo


DEMO_ACCOUNTS_TEXT = f"""演示账号 Demo accounts (password / 密码: {DEMO_PASSWORD})
  村民 villagers     13900000001 - 13900000100 (and 1391xxxxxxx)
  农户 farmers       13900000101 - 13900000130
  代办员 agents      13900000201 - 13900000212 (one per village station)
  村干部 cadres      13900000301 - 13900000306
  乡镇调度 dispatcher 13900000401
  管理员 admin        13900000501
  城里顾客 city buyers 13900000601 (深圳), 13900000602 (北京)
  县级管理员 county   13900000701"""
