"""Regions as mothers and programmes name them: a province (广东省), a city (佛山市) or both in one
(广东省佛山市). A programme observer is made for provinces or cities; a mother counts in the city
she names, and the city in its province.

Only the provinces Homeslot has pay floors for are listed city by city (fairwork.floors); a mother
elsewhere who names only her city is counted in no province until her province is listed here.
"""

PROVINCE_CITIES = {
    "广东省": (
        "广州 深圳 珠海 汕头 佛山 韶关 湛江 肇庆 江门 茂名 惠州 梅州 汕尾 河源 阳江 清远 东莞 中山 潮州 揭阳 云浮"
    ),
    "山东省": "济南 青岛 淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽",
    "北京市": "北京",
}
_PROVINCE_OF = {f"{city}市": province for province, cities in PROVINCE_CITIES.items() for city in cities.split()}
UNNAMED_CITY = "（未注明城市）"


def _province_and_rest(region: str) -> tuple[str | None, str]:
    """The province ``region`` starts with (by its name, with or without 省/市) and what follows it."""
    for province in PROVINCE_CITIES:
        for prefix in (province, province.rstrip("省市")):
            if region.startswith(prefix):
                return province, region[len(prefix) :]
    return None, region


def _city_at_start(rest: str, province: str | None) -> str | None:
    """The listed city ``rest`` begins with, as a whole name ("佛山", "佛山市", "佛山南海区"; not
    "广州路", a street): of ``province`` when one was named."""
    for city, its_province in _PROVINCE_OF.items():
        stem = city.rstrip("市")
        if province not in (None, its_province) or not rest.startswith(stem):
            continue
        after = rest[len(stem) :]
        if after == "" or after[0] == "市" or any(mark in after[:4] for mark in "区县镇"):
            return city
    return None


def city_of(region: str) -> str:
    """The city ``region`` names, read from its start ("广东省佛山市" → "佛山市", "佛山" → "佛山市"; a
    city's name further in, "山东省青岛市中山路", is a street, not 中山市); for a province alone, the
    province followed by UNNAMED_CITY (北京市: itself); anything else as it is."""
    region = (region or "").strip()
    province, rest = _province_and_rest(region)
    city = _city_at_start(rest, province)
    if city:
        return city
    if province:
        return province if province == "北京市" else province + UNNAMED_CITY
    return region


def place_of(region: str, city: str) -> str:
    """Where a mother lives, from her profile's region and city: the city she names first, else
    what her region names ("广东省" and "佛山市": 佛山市; "广东省佛山市" and "": 佛山市)."""
    named = city_of(city) if (city or "").strip() else ""
    if named in _PROVINCE_OF:
        return named
    return city_of(f"{region or ''}{city or ''}")


def canonical(region: str) -> str:
    """A region as the figures name it: its city when it names one, else its province."""
    return city_of(region).removesuffix(UNNAMED_CITY)


def province_of(region: str) -> str:
    city = city_of(region)
    if city in _PROVINCE_OF:
        return _PROVINCE_OF[city]
    return city.removesuffix(UNNAMED_CITY)


def within(region: str, scope: str) -> bool:
    """Whether a mother of ``region`` counts in ``scope`` (a province or a city)."""
    if not (region or "").strip() or not scope:
        return False
    city = city_of(region)
    return scope in (city, province_of(region), city.removesuffix(UNNAMED_CITY))


def within_any(region: str, scopes: list[str]) -> bool:
    return any(within(region, scope) for scope in scopes)
