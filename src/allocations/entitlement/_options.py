"""The documented choices the law leaves open, as one value a caller can change.

Every field answers a question that LAW.md marks [UNCERTAIN] (or a safety choice of the
library). The defaults are the readings the library defends in its documentation; a paying
body that knows better passes its own :class:`EntitlementOptions`.
"""

from __future__ import annotations

import enum

import attrs

__all__ = ["EntitlementOptions", "MayottePolicy"]


class MayottePolicy(enum.Enum):
    """What to do in Mayotte (976) with what no text settles (LAW.md §10).

    Under either policy a child past compulsory schooling with earnings is refused: the
    earnings cap would use the Mayotte SMIC, whose values for this purpose are not
    established.

    >>> from allocations import EntitlementOptions, MayottePolicy
    >>> EntitlementOptions(mayotte=MayottePolicy.BASE_ONLY).mayotte.value
    'base_only'

    .. versionadded:: 0.1.0
    """

    #: Refuse (``UnsupportedTerritoryError``) a household for which the mainland rules would
    #: pay a *majoration pour âge* or an *allocation forfaitaire*, or that has a child in
    #: *résidence alternée*: whether and how they apply in Mayotte is not established.
    REFUSE = "refuse"
    #: Pay the Mayotte base scale only, and say so in the breakdown (an amount-0 line);
    #: a child in résidence alternée is prorated as on the mainland.
    BASE_ONLY = "base_only"


def _bool(instance: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"EntitlementOptions.{attribute.name} must be True or False, got {value!r}")


@attrs.frozen(cache_hash=True)
class EntitlementOptions:
    """Choices for the points the law leaves open (each documented in LAW.md).

    Args:
        extend_last_known: for a benefit month after the last month the law is known
            (e.g. January 2027 before the 2027 ceilings are published), reuse the last
            known values instead of raising ``LawNotInForceError``. Months before the
            first known BMAF (April 2013) always raise.
        crds_per_component: truncate the CRDS on each breakdown line and add the results,
            instead of truncating once on the monthly gross total (the default; LAW.md §13
            [UNCERTAIN]: 2025, two children and one majoration, 227.70 € gross gives 226.57 €
            net on the total and 226.58 € per component).
        complement_capped_at_lower_tranche: the *complément dégressif* never lifts the total
            above what the tranche below pays. Without the cap, rounding half up lets
            resources a few cents above a ceiling pay one cent more than resources on it
            (2024, two children: 74.64 € just above P2 against 74.63 € on it), breaking the
            rule that more resources never pay more (L521-1 al. 6: the complément only
            smooths the threshold).
        forfait_ceiling_counts_forfait_children: the ceilings that place the *allocation
            forfaitaire* in a tranche (and its complément, LAW.md §15 trap 13) count the
            20-year-olds who receive it as well as the children à charge (the OpenFisca
            reading). ``False``: children à charge only (LAW.md §6 [UNCERTAIN]).
        forfait_complement_per_child: compute the forfait's complément for each
            20-year-old separately instead of on the summed forfait (LAW.md §7 [UNCERTAIN]).
        complement_on_prorated_amounts: under *résidence alternée*, compute the complément
            on the household's already prorated amounts (default). ``False``: compute it on
            the full amounts and prorate it like the base (LAW.md §8 [UNCERTAIN]).
        exclude_placed_child_share: a child placed with the child-welfare service with the
            allowance paid to the service (``Custody.PLACED_SERVICES``) still counts for the
            number of children, the ceilings and the eldest (L521-2 al. 4), but his share —
            the base prorated per child and his own majoration and forfait — is paid to the
            service, so it is left out of the household's amount. ``False``: the household's
            amount includes it (the caller routes the share).
        leap_day_2012_keeps_age_14: a child born on 29 February 2012 keeps the majoration
            age of 14 (LAW.md's test "born before 1 March 2012"). ``False``: by the library's
            anniversary convention he turns 14 on 1 March 2026, not before it, so décret
            2026-138 moves him to 18 (LAW.md §5 [UNCERTAIN]).
        mayotte: what to do with the unsettled parts of the Mayotte scheme.
        mayotte_crds: withhold the CRDS in Mayotte too (LAW.md §10 [UNCERTAIN]).

    >>> from allocations import EntitlementOptions
    >>> EntitlementOptions(crds_per_component=True).crds_per_component
    True
    >>> EntitlementOptions(extend_last_known="yes")
    Traceback (most recent call last):
    ...
    TypeError: EntitlementOptions.extend_last_known must be True or False, got 'yes'

    .. versionadded:: 0.1.0
    """

    extend_last_known: bool = attrs.field(default=False, validator=_bool)
    crds_per_component: bool = attrs.field(default=False, validator=_bool)
    complement_capped_at_lower_tranche: bool = attrs.field(default=True, validator=_bool)
    forfait_ceiling_counts_forfait_children: bool = attrs.field(default=True, validator=_bool)
    forfait_complement_per_child: bool = attrs.field(default=False, validator=_bool)
    complement_on_prorated_amounts: bool = attrs.field(default=True, validator=_bool)
    exclude_placed_child_share: bool = attrs.field(default=True, validator=_bool)
    leap_day_2012_keeps_age_14: bool = attrs.field(default=True, validator=_bool)
    mayotte: MayottePolicy = attrs.field(
        default=MayottePolicy.REFUSE, validator=attrs.validators.instance_of(MayottePolicy)
    )
    mayotte_crds: bool = attrs.field(default=True, validator=_bool)


DEFAULT_OPTIONS = EntitlementOptions()
