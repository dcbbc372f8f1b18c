"""Demo data of the storefront: the 30 demo farmers' 60 specialty products with photos
drawn by Pillow (deterministic), most listed, some waiting for review, and a few orders."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from core.demo import DemoTownship
from core.models import Role, User
from core.photos import default_photo_dir
from payments.models import PaymentMethod
from shop.catalog import services
from shop.catalog.models import Category, Product, Unit
from shop.orders import services as orders
from shop.orders.models import Delivery

C, U = Category, Unit
# (title, category, unit, price in fen, story)
PRODUCTS = [
    ("桃源香米", C.GRAIN, U.JIN, 450, "山泉水灌溉的一季稻，米香浓。"),
    ("荷塘红心咸鸭蛋", C.EGGS, U.PIECE, 250, "湖边放养麻鸭，黄沙腌制二十天。"),
    ("九孔粉莲藕", C.VEGETABLES, U.JIN, 600, "塘泥里现挖，煨汤粉糯。"),
    ("水蜜桃", C.FRUIT, U.JIN, 800, "山坡桃园，自然成熟才摘。"),
    ("高山云雾绿茶", C.TEA, U.BOX, 12800, "清明前手工采制，一芽一叶。"),
    ("土鸡蛋", C.EGGS, U.PIECE, 150, "散养土鸡，吃谷子和青草。"),
    ("手工红薯粉丝", C.SPECIALTY, U.JIN, 1500, "本地红薯淀粉，老手艺晾晒。"),
    ("腊肉", C.SPECIALTY, U.JIN, 4500, "柴火熏制四十天。"),
    ("新鲜莲子", C.VEGETABLES, U.JIN, 2000, "当天剥好，清甜。"),
    ("黄桃", C.FRUIT, U.JIN, 700, "肉厚汁多，适合做罐头。"),
    ("糯米", C.GRAIN, U.JIN, 500, "包粽子打糍粑都好。"),
    ("菜籽油", C.GRAIN, U.KG, 3200, "自家油菜籽压榨，无添加。"),
    ("土蜂蜜", C.SPECIALTY, U.JIN, 6800, "百花蜜，一年只取一次。"),
    ("鸭湖麻鸭", C.EGGS, U.PIECE, 9800, "湖里散养一年的老鸭。"),
    ("红茶", C.TEA, U.BOX, 8800, "本地群体种，蜜香。"),
    ("梅岭杨梅", C.FRUIT, U.BOX, 6000, "五斤一箱，冰镇更甜。"),
    ("竹笋干", C.SPECIALTY, U.JIN, 3800, "春笋切片晒干，炖肉香。"),
    ("茶油", C.GRAIN, U.KG, 16000, "野山茶籽冷榨。"),
    ("柚子", C.FRUIT, U.PIECE, 1200, "蜜柚，皮薄肉厚。"),
    ("辣椒酱", C.SPECIALTY, U.BOX, 2500, "剁辣椒配豆豉，六瓶一箱。"),
]
EXTRA_VARIETIES = ["特级", "精选"]
PENDING_EVERY = 8  # every 8th product still waits for the agent's review
PALETTE = [(199, 80, 60), (230, 170, 60), (90, 150, 70), (70, 120, 170), (160, 110, 70)]


def demo_photo(rng: random.Random) -> bytes:
    """A small picture: a soft background and a few round shapes, like produce on a cloth."""
    image = Image.new("RGB", (480, 360), rng.choice(PALETTE))
    draw = ImageDraw.Draw(image)
    colour = rng.choice(PALETTE)
    for _ in range(rng.randint(3, 7)):
        x, y, r = rng.randint(40, 440), rng.randint(40, 320), rng.randint(25, 60)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour, outline=(255, 255, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _agents_by_village(demo: DemoTownship) -> dict[int, User]:
    return {
        village_id: agent for agent in demo.agents for village_id in agent.villages_for(Role.AGENT)
    }


def load_storefront_demo(session: Session, demo: DemoTownship) -> None:
    rng = random.Random(4)
    agents = _agents_by_village(demo)
    listed = []
    for number in range(60):
        farmer = demo.farmers[number % len(demo.farmers)]
        title, category, unit, price, story = PRODUCTS[number % len(PRODUCTS)]
        assert farmer.household is not None
        village = farmer.household.village
        variety = EXTRA_VARIETIES[number // 20 - 1] if number >= 20 else ""
        product = services.create_listing(
            session,
            seller=farmer,
            data=services.ListingInput(
                title=f"{village.name[:2]}{variety}{title}",
                description=story,
                category=category,
                unit=unit,
                price_fen=price + 10 * rng.randint(0, 20),
                origin_village_id=village.id,
            ),
        )
        for _ in range(rng.randint(1, 2)):
            services.add_photo(
                session,
                seller=farmer,
                product_id=product.id,
                directory=default_photo_dir(),
                data=demo_photo(rng),
            )
        services.add_stock(
            session, seller=farmer, product_id=product.id, quantity=rng.randint(20, 200)
        )
        services.submit_for_review(session, seller=farmer, product_id=product.id)
        if number % PENDING_EVERY != PENDING_EVERY - 1:
            listed.append(
                services.approve(session, agent=agents[village.id], product_id=product.id)
            )
    _past_orders(session, demo, listed, agents, rng)


def _past_orders(
    session: Session,
    demo: DemoTownship,
    listed: list[Product],
    agents: dict[int, User],
    rng: random.Random,
) -> None:
    """Six villagers' cash orders for pickup; the first three packed, on their station's shelf
    and paid at the counter."""
    for number, villager in enumerate(demo.villagers[:6]):
        product = rng.choice(listed)
        (order,) = orders.place_orders(
            session,
            buyer=villager,
            placed_by=villager,
            lines=[orders.LineInput(product.id, rng.randint(1, 3))],
            delivery=Delivery.PICKUP,
            payment=PaymentMethod.CASH,
        )
        if number < 3:
            agent = agents[order.station_village_id]
            orders.pack(session, seller=product.seller, order_id=order.id)
            orders.mark_ready_for_pickup(session, agent=agent, order_id=order.id)
            orders.collect_cash(session, agent=agent, order_id=order.id)
