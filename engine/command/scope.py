"""Who may watch the big screen, and which part of the city they see.

The city command centre sees the city or any one district; a district sub-centre (a centre
role granted for one district) sees its own district only, whatever it asks for.
"""

from __future__ import annotations

import re

from engine.errors import Forbidden, Invalid
from engine.people.accounts import Actor
from engine.people.authz import CENTRE_ROLES

_DISTRICT = re.compile(r"^\d{6}$")


def screen_district(actor: Actor, district_code: str | None) -> str | None:
    """The district the actor's screen shows (None: the whole city).

    :raises Forbidden: the actor holds no centre role, or asks for another district than its own.
    :raises Invalid: ``district_code`` is not a 6-digit code (422 naming ``district``).
    """
    if district_code is not None and not _DISTRICT.match(district_code):
        raise Invalid("'district' must be a 6-digit district code", fields={"district": "invalid"})
    grants = [g for g in actor.grants if g.role in CENTRE_ROLES and g.department_code is None]
    if not grants:
        raise Forbidden("the big screen is for the command centre")
    if any(g.district_code is None for g in grants):
        return district_code
    own = sorted({g.district_code for g in grants if g.district_code})
    if district_code is not None and district_code not in own:
        raise Forbidden("a district sub-centre sees its own district only")
    return district_code or own[0]
