"""The ISO 3166-1 alpha-2 country codes a partner's territory is named in.

The officially assigned codes, kept here as data: the standard changes a few times a
decade, and a shape check alone ("two capital letters") would let typos such as "UK" or
"EN" through.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.base import require

COUNTRY_CODES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
VN VU WF WS YE YT ZA ZM ZW
""".split())


def parse_territories(codes: Sequence[str], field: str) -> list[str]:
    """The countries a partner serves: at least one, each an assigned alpha-2 code (any
    case), without repeats, in the order given."""
    require(bool(codes), field, "name at least one country (ISO 3166-1 alpha-2, e.g. DE)")
    parsed = []
    for index, code in enumerate(codes):
        upper = code.strip().upper() if isinstance(code, str) else ""
        require(upper in COUNTRY_CODES, f"{field}[{index}]",
                f"{code!r} is not an ISO 3166-1 alpha-2 country code such as DE or GB")
        parsed.append(upper)
    return list(dict.fromkeys(parsed))
