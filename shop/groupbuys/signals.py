"""``campaign_succeeded`` (campaign=, session=): the shop turns the pledges into orders."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

campaign_succeeded = _signals.signal("campaign-succeeded")
