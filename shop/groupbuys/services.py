"""Group-buy services: open a campaign, pledge, and the steps of closing it.

Pledges count toward the campaign through one conditional UPDATE (open, before the
deadline, within the maximum), so racing pledges never pass the maximum and none is
accepted once a closer has moved the campaign to ``closing``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import pairwise

from sqlalchemy import String, and_, cast, literal, or_, select, true, update
from sqlalchemy.orm import Session, joinedload

from core.db import rows_matched
from core.models import Household, Role, User
from core.timeutil import ensure_utc, utcnow
from payments.models import CaptureMode, Payment, PaymentMethod, PaymentStatus
from payments.services import (
    CARD_HOLD_LIFETIME,
    cancel_payment,
    capture_payment,
    online_payments_available,
    start_payment,
)
from shop.errors import ShopError
from shop.groupbuys import notices
from shop.groupbuys.models import (
    CampaignStatus,
    Delivery,
    GroupBuy,
    Pledge,
    PledgeStatus,
    PriceTier,
)

MAX_QUANTITY = 1000
# A closer that died mid-way leaves the campaign in ``closing``; another may resume after this.
CLOSING_LEASE = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class TierSpec:
    min_quantity: int
    price_fen: int


def _check_tiers(tiers: list[TierSpec]) -> None:
    if not tiers or tiers[0].min_quantity != 1:
        raise ShopError("first_tier_from_one")
    for lower, higher in pairwise(tiers):
        if higher.min_quantity <= lower.min_quantity or higher.price_fen >= lower.price_fen:
            raise ShopError("tiers_out_of_order")
    if any(tier.price_fen <= 0 for tier in tiers):
        raise ShopError("price_not_positive")


def open_campaign(
    session: Session,
    *,
    organiser: User,
    village_id: int,
    title: str,
    unit: str,
    sku: str,
    shop_price_fen: int,
    tiers: list[TierSpec],
    min_quantity: int,
    max_quantity: int,
    per_household_limit: int,
    deadline: dt.datetime,
    delivery: Delivery,
    description: str = "",
    unit_weight_g: int = 50_000,
    now: dt.datetime | None = None,
) -> GroupBuy:
    if village_id not in organiser.villages_for(Role.AGENT):
        raise ShopError("station_agent_only")
    _check_tiers(tiers)
    if not 1 <= min_quantity <= max_quantity <= 100_000:
        raise ShopError("min_above_max")
    if not 1 <= per_household_limit <= max_quantity:
        raise ShopError("household_limit_range")
    if not 0 < unit_weight_g <= 1_000_000:
        raise ShopError("campaign_unit_weight")
    if ensure_utc(deadline) <= (now or utcnow()):
        raise ShopError("deadline_past")
    campaign = GroupBuy(
        village_id=village_id,
        organiser_id=organiser.id,
        title=title.strip(),
        unit=unit,
        sku=sku,
        shop_price_fen=shop_price_fen,
        min_quantity=min_quantity,
        max_quantity=max_quantity,
        per_household_limit=per_household_limit,
        deadline=ensure_utc(deadline),
        delivery=delivery,
        description=description,
        status=CampaignStatus.OPEN,
        unit_weight_g=unit_weight_g,
        tiers=[PriceTier(min_quantity=t.min_quantity, price_fen=t.price_fen) for t in tiers],
    )
    session.add(campaign)
    session.flush()
    return campaign


def visible_villages(user: User) -> frozenset[int] | None:
    """Villages whose campaigns the user sees; None means every village (admin)."""
    if user.has_role(Role.ADMIN):
        return None
    return user.villages_for(Role.VILLAGER) | user.villages_for(Role.AGENT)


def campaigns_for(
    session: Session, *, user: User, status: CampaignStatus | None = None
) -> list[GroupBuy]:
    query = select(GroupBuy).order_by(GroupBuy.deadline, GroupBuy.id)
    villages = visible_villages(user)
    if villages is not None:
        query = query.where(GroupBuy.village_id.in_(villages))
    if status is not None:
        query = query.where(GroupBuy.status == status)
    found = list(session.scalars(query))
    # Those one can still join first, the nearest deadline on top; then the past ones,
    # the latest first.
    still_open = [c for c in found if c.status is CampaignStatus.OPEN]
    past = [c for c in reversed(found) if c.status is not CampaignStatus.OPEN]
    return still_open + past


def open_campaigns(session: Session, *, limit: int) -> list[GroupBuy]:
    """Campaigns open in any village, soonest deadline first: what a visitor sees before
    signing in (joining one needs the household's account)."""
    query = (
        select(GroupBuy)
        .where(GroupBuy.status == CampaignStatus.OPEN)
        .order_by(GroupBuy.deadline, GroupBuy.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def get_campaign(session: Session, *, campaign_id: int, user: User) -> GroupBuy:
    campaign = session.get(GroupBuy, campaign_id)
    villages = visible_villages(user)
    if campaign is None or (villages is not None and campaign.village_id not in villages):
        raise ShopError("campaign_not_found")
    return campaign


def card_pledges_allowed(campaign: GroupBuy, now: dt.datetime | None = None) -> bool:
    """A card hold lapses after about 7 days: card pledges only when it outlives the deadline.

    Longer campaigns take cash pledges only (paid at pickup at the final price), which
    needs no refund path; see README "Group-buys".
    """
    return online_payments_available() and campaign.deadline <= (now or utcnow()) + (
        CARD_HOLD_LIFETIME
    )


def _pledging_household(
    session: Session, campaign: GroupBuy, user: User, household_id: int | None
) -> Household:
    if household_id is None or household_id == user.household_id:
        household = user.household
        if household is None or household.village_id != campaign.village_id:
            raise ShopError("village_households_only")
        return household
    if campaign.village_id not in user.villages_for(Role.AGENT):
        raise ShopError("own_household_only")
    household = session.get(Household, household_id)
    if household is None or household.village_id != campaign.village_id:
        raise ShopError("household_not_in_village")
    return household


def pledge(
    session: Session,
    *,
    campaign_id: int,
    user: User,
    quantity: int,
    payment: PaymentMethod,
    household_id: int | None = None,
    now: dt.datetime | None = None,
) -> Pledge:
    """Count a household's pledge; an online one opens a held payment at the top price."""
    now = now or utcnow()
    campaign = get_campaign(session, campaign_id=campaign_id, user=user)
    household = _pledging_household(session, campaign, user, household_id)
    if not 1 <= quantity <= min(campaign.per_household_limit, MAX_QUANTITY):
        raise ShopError(
            "household_limit", limit=campaign.per_household_limit, unit=campaign.unit_name
        )
    if payment is PaymentMethod.ONLINE and not card_pledges_allowed(campaign, now):
        raise ShopError("cash_pledges_only")
    if session.scalar(
        select(Pledge.id).where(
            Pledge.group_buy_id == campaign.id,
            Pledge.household_id == household.id,
            Pledge.status != PledgeStatus.CANCELLED,
        )
    ):
        raise ShopError("already_pledged")
    _count_pledge(session, campaign, quantity, now)
    record = Pledge(
        group_buy_id=campaign.id,
        household_id=household.id,
        pledged_by_id=user.id,
        quantity=quantity,
        payment_method=payment,
        status=PledgeStatus.ACTIVE,
    )
    session.add(record)
    session.flush()
    _announce(session, campaign, added=quantity)
    if payment is PaymentMethod.ONLINE:
        start_payment(
            session,
            subject_ref=record.subject_ref,
            amount_fen=quantity * campaign.highest_price_fen,
            method=PaymentMethod.ONLINE,
            village_id=campaign.village_id,
            capture=CaptureMode.MANUAL,
        )
    return record


def _count_pledge(session: Session, campaign: GroupBuy, quantity: int, now: dt.datetime) -> None:
    """Add ``quantity`` (less than zero to take units back) to the campaign's total, only
    while it is open, before its deadline and within its maximum."""
    result = session.execute(
        update(GroupBuy)
        .where(
            GroupBuy.id == campaign.id,
            GroupBuy.status == CampaignStatus.OPEN,
            GroupBuy.deadline > now,
            GroupBuy.pledged_quantity + quantity <= GroupBuy.max_quantity,
        )
        .values(pledged_quantity=GroupBuy.pledged_quantity + quantity)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) == 1:
        session.refresh(campaign)
        return
    session.refresh(campaign)
    if campaign.status is not CampaignStatus.OPEN or campaign.deadline <= now:
        raise ShopError("campaign_closed")
    left = campaign.max_quantity - campaign.pledged_quantity
    raise ShopError("campaign_full", left=left, unit=campaign.unit_name)


def _announce(session: Session, campaign: GroupBuy, *, added: int) -> None:
    session.expire(campaign, ["pledges"])
    notices.announce_progress(session, campaign, before=campaign.pledged_quantity - added)


def _standing_pledge(session: Session, *, pledge_id: int, user: User) -> Pledge:
    """A pledge still counting, that ``user`` may change: their household's, or one made
    at the counter of their station."""
    record = session.get(Pledge, pledge_id)
    if record is None or not (
        record.household_id == user.household_id
        or record.group_buy.village_id in user.villages_for(Role.AGENT)
    ):
        raise ShopError("pledge_not_found")
    if record.status is not PledgeStatus.ACTIVE:
        raise ShopError("pledge_not_standing")
    return record


def change_pledge(
    session: Session, *, pledge_id: int, user: User, quantity: int, now: dt.datetime | None = None
) -> Pledge:
    """Change a pledge's quantity before the deadline, through the same conditional UPDATE
    as a new pledge (never over the maximum, never after the close).

    A card pledge may only go down: its hold stays as it was and the close captures just
    the new quantity at the final price, releasing the rest. Going up would need a larger
    hold, so it is refused with the way to do it (cancel, then pledge again).
    """
    now = now or utcnow()
    record = _standing_pledge(session, pledge_id=pledge_id, user=user)
    campaign = record.group_buy
    if not 1 <= quantity <= min(campaign.per_household_limit, MAX_QUANTITY):
        raise ShopError(
            "household_limit", limit=campaign.per_household_limit, unit=campaign.unit_name
        )
    added = quantity - record.quantity
    if added == 0:
        return record
    if added > 0 and record.payment_method is PaymentMethod.ONLINE:
        raise ShopError("held_pledge_only_down")
    _count_pledge(session, campaign, added, now)
    record.quantity = quantity
    session.flush()
    _announce(session, campaign, added=added)
    return record


def cancel_pledge(
    session: Session, *, pledge_id: int, user: User, now: dt.datetime | None = None
) -> Pledge:
    """Withdraw a pledge before the deadline; a card hold is released."""
    now = now or utcnow()
    record = _standing_pledge(session, pledge_id=pledge_id, user=user)
    _count_pledge(session, record.group_buy, -record.quantity, now)
    if record.payment_method is PaymentMethod.ONLINE:
        cancel_payment(session, subject_ref=record.subject_ref)
    record.move_to(PledgeStatus.CANCELLED)
    session.flush()
    return record


# --- closing: claimed once, each pledge settled in its own transaction, then finished ---


def claim_for_closing(
    session: Session, *, campaign_id: int, now: dt.datetime, early: bool = False
) -> bool:
    """Move open → closing with one conditional UPDATE: exactly one closer wins.

    ``early`` lets the agent close before the deadline. A campaign left in ``closing``
    by a closer that died is claimed again once its lease has run out.
    """
    due = true() if early else GroupBuy.deadline <= now
    result = session.execute(
        update(GroupBuy)
        .where(
            GroupBuy.id == campaign_id,
            or_(
                and_(GroupBuy.status == CampaignStatus.OPEN, due),
                and_(
                    GroupBuy.status == CampaignStatus.CLOSING,
                    GroupBuy.closing_started_at < now - CLOSING_LEASE,
                ),
            ),
        )
        .values(status=CampaignStatus.CLOSING, closing_started_at=now)
        .execution_options(synchronize_session=False)
    )
    claimed = rows_matched(result) == 1
    if claimed:
        campaign = session.get(GroupBuy, campaign_id)
        assert campaign is not None
        session.refresh(campaign)
        if campaign.final_price_fen is None:  # a resumed close keeps the first decision
            campaign.counted_quantity = _counted_quantity(session, campaign)
            campaign.final_price_fen = campaign.price_at(campaign.counted_quantity)
        session.flush()
    return claimed


def _held_refs(session: Session, pledges: list[Pledge]) -> set[str]:
    """Subjects among ``pledges`` whose online payment is held (or already captured)."""
    return set(
        session.scalars(
            select(Payment.subject_ref).where(
                Payment.subject_ref.in_([p.subject_ref for p in pledges]),
                Payment.status.in_((PaymentStatus.AUTHORISED, PaymentStatus.SUCCEEDED)),
            )
        )
    )


def _counted_quantity(session: Session, campaign: GroupBuy) -> int:
    """Cash pledges and online pledges whose card hold was confirmed: an online pledge
    whose payer never finished the card step does not count toward the tier."""
    held = _held_refs(session, campaign.pledges)
    return sum(
        p.quantity
        for p in campaign.pledges
        if p.payment_method is PaymentMethod.CASH or p.subject_ref in held
    )


def succeeded(campaign: GroupBuy) -> bool:
    return (campaign.counted_quantity or 0) >= campaign.min_quantity


def settle_pledge(session: Session, *, pledge_id: int) -> Pledge:
    """Capture at the final price (cash: amount due at pickup) or release the hold."""
    record = session.get(Pledge, pledge_id)
    if record is None:
        raise ShopError("pledge_not_found")
    if record.status is not PledgeStatus.ACTIVE:
        return record  # settled by an earlier run
    campaign = record.group_buy
    if campaign.status is not CampaignStatus.CLOSING:
        raise ShopError("campaign_not_closing")
    unheld = record.payment_method is PaymentMethod.ONLINE and not _held_refs(session, [record])
    if succeeded(campaign) and not unheld:
        _charge(session, record, campaign)
    else:
        if record.payment_method is PaymentMethod.ONLINE:
            cancel_payment(session, subject_ref=record.subject_ref)
        record.move_to(PledgeStatus.RELEASED)
    session.flush()
    return record


def _charge(session: Session, record: Pledge, campaign: GroupBuy) -> None:
    assert campaign.final_price_fen is not None
    record.final_fen = record.quantity * campaign.final_price_fen
    if record.payment_method is PaymentMethod.ONLINE:
        capture_payment(session, subject_ref=record.subject_ref, amount_fen=record.final_fen)
    else:
        start_payment(
            session,
            subject_ref=record.subject_ref,
            amount_fen=record.final_fen,
            method=PaymentMethod.CASH,
            village_id=campaign.village_id,
        )
    record.move_to(PledgeStatus.CHARGED)


def finish_closing(session: Session, *, campaign_id: int, now: dt.datetime) -> GroupBuy:
    campaign = session.get(GroupBuy, campaign_id)
    if campaign is None:
        raise ShopError("campaign_not_found")
    if any(p.status is PledgeStatus.ACTIVE for p in campaign.pledges):
        raise ShopError("pledges_unsettled")
    target = CampaignStatus.SUCCEEDED if succeeded(campaign) else CampaignStatus.FAILED
    campaign.move_to(target)
    campaign.closed_at = now
    session.flush()
    notices.announce_outcome(session, campaign)
    return campaign


def pledge_ids(session: Session, *, campaign_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Pledge.id).where(Pledge.group_buy_id == campaign_id).order_by(Pledge.id)
        )
    )


def due_campaign_ids(session: Session, *, now: dt.datetime) -> list[int]:
    stale = now - CLOSING_LEASE
    return list(
        session.scalars(
            select(GroupBuy.id)
            .where(
                or_(
                    and_(GroupBuy.status == CampaignStatus.OPEN, GroupBuy.deadline <= now),
                    and_(
                        GroupBuy.status == CampaignStatus.CLOSING,
                        GroupBuy.closing_started_at < stale,
                    ),
                )
            )
            .order_by(GroupBuy.deadline)
        )
    )


# Close a campaign this long before any of its card holds would lapse.
HOLD_SAFETY_MARGIN = dt.timedelta(hours=12)


def lapsing_campaign_ids(session: Session, *, now: dt.datetime) -> list[int]:
    """Open campaigns holding a card authorisation that lapses soon: they close early
    rather than let a hold expire uncaptured (a safety net: card pledges are refused on
    campaigns whose deadline lies beyond the hold's life)."""
    pledge_ref = literal("pledge:") + cast(Pledge.id, String)
    return list(
        session.scalars(
            select(GroupBuy.id)
            .distinct()
            .join(Pledge, Pledge.group_buy_id == GroupBuy.id)
            .join(Payment, Payment.subject_ref == pledge_ref)
            .where(
                GroupBuy.status == CampaignStatus.OPEN,
                Payment.status == PaymentStatus.AUTHORISED,
                Payment.capture_before < now + HOLD_SAFETY_MARGIN,
            )
            .order_by(GroupBuy.id)
        )
    )


def my_pledges(session: Session, *, user: User) -> list[Pledge]:
    if user.household_id is None:
        return []
    return list(
        session.scalars(
            select(Pledge)
            .where(
                Pledge.household_id == user.household_id, Pledge.status != PledgeStatus.CANCELLED
            )
            .order_by(Pledge.created_at.desc())
            .options(joinedload(Pledge.group_buy))
        )
    )
